# Sourced by the FastCGI tests (tests/fcgi/*.sh) and bench/fcgi: the shared
# web-server helpers of tests/lib/servers.bash (need, the checks' counters,
# stop_pid, a private Apache...), and what is FastCGI's own: a scratch
# directory with a store, a config and phone files, the scenario every test
# replays, provlock fcgi started by spawn-fcgi. They run as root, as CI does.
set -u -o pipefail

# shellcheck source=../lib/servers.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib/servers.bash"
need_root "the FastCGI tests need root (apt-get, spawn-fcgi -u www-data)"

# The phones of every FastCGI test, and the request sequence each replays.
yealink=0015654aa937 polycom=0004f2000001 gs=000b828aa872 unknown=0015650000ff
ua_yealink="Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"

# setup_scratch [NOW]: $t, a scratch directory (removed at exit) readable by
# www-data, with $t/bin/provlock and $t/bin/provlock.cgi (copies of $bin),
# the store $t/store (www-data may write it), $t/provlock.toml, and the
# phones' files in $t/root. The phones are registered (at NOW, when given),
# none provisioned.
setup_scratch() {
  t=$(mktemp -d "${TMPDIR:-/tmp}/provlock-fcgi.XXXXXX")
  chmod 755 "$t"
  mkdir -p "$t/bin" "$t/root/gs"
  install -m 755 "$bin" "$t/bin/provlock"
  install -m 755 "$bin" "$t/bin/provlock.cgi"
  install -d -m 2775 -g www-data "$t/store"
  cat >"$t/provlock.toml" <<EOC
store = "$t/store"
[cgi]
root = "$t/root"
[ban]
max_attempts = 3
EOC
  echo "yealink config of $yealink" >"$t/root/$yealink.cfg"
  echo "polycom config of $polycom" >"$t/root/$polycom.cfg"
  echo "<gs>grandstream settings</gs>" >"$t/root/gs/settings.xml"
  echo "public yealink common config" >"$t/root/y000000000028.cfg"
  chmod -R a+rX "$t"
  export PROVLOCK_CONFIG=$t/provlock.toml
  unset PROVLOCK_STORE PROVLOCK_NOW GATEWAY_INTERFACE
  PROVLOCK_NOW=${1:-} "$t/bin/provlock" add "$yealink" "$gs" >/dev/null &&
    PROVLOCK_NOW=${1:-} "$t/bin/provlock" add "$polycom" --user phone1 >/dev/null ||
    { echo "FAIL: provlock add" >&2; exit 1; }
  chown -R www-data "$t/store"
}

# The scenario every test replays, one request a line: METHOD, client
# address, path beneath /provisioning, REMOTE_USER, User-Agent, body
# (separated by "|"), and the status it must get.
scenario_lines() {
  local s="|"
  cat <<EOS
GET${s}127.0.0.2${s}/$yealink.cfg${s}${s}$ua_yealink${s}${s}200 yealink config
GET${s}127.0.0.2${s}/$yealink.cfg${s}${s}$ua_yealink${s}${s}200 yealink config
GET${s}127.0.0.3${s}/$yealink.cfg${s}${s}$ua_yealink${s}${s}403 locked
HEAD${s}127.0.0.2${s}/$yealink.cfg${s}${s}${s}${s}200
GET${s}127.0.0.2${s}/$polycom.cfg${s}${s}${s}${s}200 polycom config
GET${s}127.0.0.4${s}/$polycom.cfg${s}phone1${s}${s}${s}200 polycom config
GET${s}127.0.0.4${s}/$polycom.cfg${s}$yealink${s}${s}${s}403 auth-mismatch
GET${s}127.0.0.5${s}/y000000000028.cfg${s}${s}${s}${s}200 public yealink
GET${s}127.0.0.9${s}/$unknown.cfg${s}${s}${s}${s}404 not-found
GET${s}127.0.0.9${s}/$unknown.cfg${s}${s}${s}${s}404 not-found
GET${s}127.0.0.9${s}/$unknown.cfg${s}${s}${s}${s}404 not-found
GET${s}127.0.0.9${s}/$unknown.cfg${s}${s}${s}${s}404 not-found
GET${s}127.0.0.9${s}/$unknown.cfg${s}${s}${s}${s}403 banned: 127.0.0.9
POST${s}127.0.0.9${s}/unban-self${s}${s}${s}please${s}403 not permitted
GET${s}127.0.0.9${s}/unban-self${s}${s}${s}${s}405 method-not-allowed
POST${s}127.0.0.10${s}/unban-self${s}${s}${s}x${s}200 not banned
PUT${s}127.0.0.2${s}/$yealink.cfg${s}${s}${s}x${s}405 method-not-allowed
GET${s}127.0.0.6${s}/nomac.txt${s}${s}${s}${s}404 not-found
GET${s}127.0.0.6${s}/$(printf 'a%.0s' $(seq 1 1100)).cfg${s}${s}${s}${s}400 bad-request
GET${s}127.0.0.7${s}/gs/settings.xml${s}${s}Grandstream Model HW GXP2170 SW 1.0.9.135 DevId $gs${s}${s}200 grandstream
EOS
}

# spawn_fcgi SOCKET PROGRAM ARGS...: starts PROGRAM by spawn-fcgi as
# www-data with a listening Unix socket SOCKET on standard input (the
# FastCGI convention), the socket owned by www-data with mode 0660; sets
# $fcgi_pid. The environment (PROVLOCK_*) is passed on.
spawn_fcgi() {
  local socket=$1
  shift
  rm -f "$socket"
  spawn-fcgi -s "$socket" -M 0660 -U www-data -G www-data -u www-data -g www-data \
    -P "$t/fcgi.pid" -- "$@" >/dev/null || return 1
  fcgi_pid=$(cat "$t/fcgi.pid")
  [ -S "$socket" ] && kill -0 "$fcgi_pid"
}

# replay_with_curl PORT PREFIX AUTH_PREFIX: fetches the scenario through a
# web server on 127.0.0.1:PORT under URL PREFIX (/provisioning) from the
# loopback addresses it names, and checks every status and body. A
# REMOTE_USER is sent as HTTP Basic credentials (user:secret) under
# AUTH_PREFIX.
replay_with_curl() {
  local port=$1 prefix=$2 auth=$3 method addr path user ua reqbody want n=0 url args
  while IFS='|' read -r method addr path user ua reqbody want; do
    n=$((n + 1))
    url=$prefix$path
    args=()
    [ -n "$user" ] && { url=$auth$path; args+=(-u "$user:secret"); }
    [ -n "$ua" ] && args+=(-A "$ua")
    [ -n "$reqbody" ] && args+=(--data-binary "$reqbody")
    curl_fetch "$port" "$addr" "$method" "$url" "${args[@]}"
    expect "${want%% *}" "$([ "$want" = "${want#* }" ] || echo "${want#* }")" \
      "$n: $method ${url:0:60} from $addr${user:+ as $user}: $want"
  done < <(scenario_lines)
}

# htpasswd_file FILE: the Basic users of the scenario (phone1, and the
# Yealink by its MAC), password "secret", readable by www-data.
htpasswd_file() {
  local hash
  hash=$(openssl passwd -apr1 secret) || return 1
  printf 'phone1:%s\n%s:%s\n' "$hash" "$yealink" "$hash" >"$1"
  chmod 644 "$1"
}
