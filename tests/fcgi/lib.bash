# Sourced by the FastCGI tests (tests/fcgi/*.sh): Debian packages installed
# when missing (without starting their services), a scratch directory with a
# store, a config and phone files, provlock fcgi started by spawn-fcgi, and
# the checks' counters. They run as root, as CI does.
set -u -o pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL: the FastCGI tests need root (apt-get, spawn-fcgi -u www-data)" >&2
  exit 1
fi

# need COMMAND=PACKAGE...: installs PACKAGE for each COMMAND not found, with
# a policy-rc.d that keeps the package from starting its service (nginx,
# Apache) on the machine's own ports. Tests run in parallel: apt waits for
# the dpkg lock and retries.
need() {
  local pair missing=() try rc=1 made_policy=
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null 2>&1 || [ -e "${pair%%=*}" ] || missing+=("${pair#*=}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  for try in 1 2 3 4 5; do
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null 2>&1 && { rc=0; break; }
    sleep $((try * 5))
  done
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc -eq 0 ] || echo "FAIL: apt-get install ${missing[*]} failed" >&2
  return $rc
}

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  echo "ok   $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
  [ -n "${status:-}${body:-}" ] && echo "     status: ${status:-}" && echo "     body:   ${body:0:300}"
  return 0
}
# expect STATUS TEXT WHAT: the last response had STATUS and its body holds
# TEXT ("" for any body).
expect() {
  if [ "$status" = "$1" ] && [[ $body == *"$2"* ]]; then pass "$3"; else fail "$3 (wanted $1, '$2')"; fi
}
finish() {
  echo
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

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

# alive PID: the process runs (an exited one that nobody reaped yet, as
# happens to spawn-fcgi's children in a container, does not).
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]
}

# stop_pid PID: SIGTERM, then waits up to 5 s (SIGKILL after that).
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# curl_fetch PORT ADDR METHOD PATH [curl args...]: one request from source
# address ADDR to http://127.0.0.1:PORT/PATH; sets $status and $body.
curl_fetch() {
  local port=$1 addr=$2 method=$3 path=$4
  shift 4
  local how=(-X "$method")
  [ "$method" = HEAD ] && how=(-I)
  status=$(curl -s --max-time 5 --path-as-is --interface "$addr" "${how[@]}" \
    -o "$t/body" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path") || status="curl-failed($?)"
  body=$(cat "$t/body" 2>/dev/null)
  [ "$method" = HEAD ] && body=
  rm -f "$t/body"
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
