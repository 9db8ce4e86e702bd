# Sourced by the tests (and benchmarks) that start real web servers on
# loopback: tests/apache/*.sh, tests/fcgi/*.sh (through tests/fcgi/lib.bash)
# and bench/fcgi. What they share:
#   need_root WHY             exits unless run as root
#   need COMMAND=PACKAGE...   Debian packages installed when missing
#   pass/fail/expect/finish   the checks' counters and the summary line
#   alive, stop_pid           a process runs; stop it
#   port_in_use, free_port    loopback ports
#   curl_fetch                one request; sets $status and $body
#   start_apache, stop_apache a private Apache 2.4 on a free loopback port
#   start_nginx, stop_nginx   a private nginx, likewise
#   cleanup_on_exit, print_log_if_failed   nothing left running, the log shown
# The caller sets its own shell options (set -u -o pipefail); everything
# here works under them.

# need_root WHY: exits 1 unless run as root, saying WHY root is needed.
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "FAIL: $1" >&2
    exit 1
  fi
}

# need COMMAND=PACKAGE...: installs PACKAGE for each COMMAND not found (a
# COMMAND may be a file's path, such as an Apache module's), with a
# policy-rc.d that keeps the package from starting its service (nginx,
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

# The checks: one "ok   WHAT" or "FAIL WHAT" line each (a failure shows the
# last response's $status and $body when there is one), and finish's
# "N passed, M failed", which returns non-zero when any check failed.
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
  if [ "${status:-}" = "$1" ] && [[ ${body:-} == *"$2"* ]]; then pass "$3"; else fail "$3 (wanted $1, '$2')"; fi
}
finish() {
  echo
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# alive PID: the process runs (an exited one that nobody reaped yet, as
# happens to spawn-fcgi's children in a container, does not).
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]
}

# stop_pid PID: SIGTERM, then waits up to 5 s (SIGKILL after that). An
# empty PID is nothing to stop.
stop_pid() {
  local pid=${1:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
}

# port_in_use PORT: something listens on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: prints a random port in 20000-31999 that nothing listens on,
# below Linux's ephemeral ports (32768 on), which outgoing connections take
# (another test may still take it before the caller binds it: callers that
# start a server retry with another port).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
}

# curl_fetch PORT ADDR METHOD PATH [curl args...]: one request from source
# address ADDR to http://127.0.0.1:PORT/PATH; sets $status, $body and
# $headers (without the CRs). Needs the scratch directory $t. When
# $curl_log names a file, the response's headers and body are appended
# to it.
# shellcheck disable=SC2154,SC2034 # $t is the caller's; $headers is for it
curl_fetch() {
  local port=$1 addr=$2 method=$3 path=$4
  shift 4
  local how=(-X "$method")
  [ "$method" = HEAD ] && how=(-I)
  status=$(curl -s --max-time 5 --path-as-is --interface "$addr" "${how[@]}" \
    -o "$t/body" -D "$t/headers" -w '%{http_code}' "$@" "http://127.0.0.1:$port$path") ||
    status="curl-failed($?)"
  body=$(cat "$t/body" 2>/dev/null)
  [ "$method" = HEAD ] && body=  # curl -I puts the headers there; a HEAD has no body
  headers=$(tr -d '\r' 2>/dev/null <"$t/headers")
  [ -n "${curl_log:-}" ] && cat "$t/headers" "$t/body" >>"$curl_log" 2>/dev/null
  rm -f "$t/body" "$t/headers"
}

# start_on_free_port NAME DIR SCHEME CONFIGURE START STOP [CURL_ARGS...]:
# starts a server on a free loopback port. Up to 5 tries (tests run in
# parallel and another may take the same port first), each: $port set to
# free_port's; CONFIGURE writes the server's configuration for $port;
# START, its stderr in DIR/start.err, starts it; then up to 5 s for
# SCHEME://127.0.0.1:$port/ to answer curl (with CURL_ARGS). One that does
# not answer is stopped by STOP DIR and the next try takes another port.
# None answered: a failed check "NAME did not start: its stderr", status 1.
start_on_free_port() {
  local name=$1 dir=$2 scheme=$3 configure=$4 start=$5 stop=$6 started=''
  shift 6
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$configure" || return 1
    if "$start" 2>"$dir/start.err"; then
      for _ in $(seq 1 50); do
        curl -s -o /dev/null --max-time 1 "$@" "$scheme://127.0.0.1:$port/" && { started=1; break; }
        sleep 0.1
      done
    fi
    [ -n "$started" ] && return 0
    "$stop" "$dir"
  done
  fail "$name did not start: $(cat "$dir/start.err" 2>/dev/null)"
  return 1
}

# --- A private Apache 2.4 ----------------------------------------------------
apache_modules=/usr/lib/apache2/modules
apache_dir=

# apache_base_conf DIR PORT DOCROOT [PROTOCOL]: the base httpd.conf of a
# private Apache with its ServerRoot, pid file, runtime directory and error
# log in DIR, listening on 127.0.0.1:PORT (with PROTOCOL, e.g. https, when
# given), running its children as www-data, with the event MPM and the base
# modules (authz/authn, Basic authentication, alias, env); every directory
# denied but DOCROOT.
apache_base_conf() {
  local dir=$1 port=$2 docroot=$3 protocol=${4:-} m=$apache_modules
  cat <<EOC
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port${protocol:+ $protocol}
PidFile "$dir/httpd.pid"
DefaultRuntimeDir "$dir/run"
ErrorLog "$dir/error.log"
LogLevel warn
User www-data
Group www-data
DocumentRoot "$docroot"
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authn_file_module $m/mod_authn_file.so
LoadModule auth_basic_module $m/mod_auth_basic.so
LoadModule alias_module $m/mod_alias.so
LoadModule env_module $m/mod_env.so
<Directory />
    Require all denied
</Directory>
# Apache looks PATH_INFO up here for a CGI's PATH_TRANSLATED; it serves
# what the caller puts there.
<Directory "$docroot">
    Require all granted
</Directory>
EOC
}

# start_apache [--https CA_CERT] DIR DOCROOT EXTRA: a private Apache with
# DIR/httpd.conf, the base configuration (apache_base_conf) followed by
# EXTRA (more modules, the site), on a free 127.0.0.1 port, set in $port
# (start_on_free_port: 5 tries; over https, trusting CA_CERT, with
# --https). Creates DIR/run (owned by www-data, for mod_cgid's and
# mod_fcgid's sockets). When it does not answer: a failed check "Apache
# did not start" and status 1.
start_apache() {
  local scheme=http protocol='' probe=()
  if [ "${1:-}" = --https ]; then
    scheme=https protocol=https probe=(--cacert "$2")
    shift 2
  fi
  local dir=$1 docroot=$2 extra=$3
  apache_dir=$dir
  mkdir -p "$dir/run" && chown www-data "$dir/run" || return 1
  start_on_free_port Apache "$dir" "$scheme" apache_configure_ apache_start_ stop_apache "${probe[@]}"
}
# start_apache's steps (they see its dir, docroot, protocol and extra).
apache_configure_() {
  { apache_base_conf "$dir" "$port" "$docroot" "$protocol" && printf '%s\n' "$extra"; } >"$dir/httpd.conf"
}
apache_start_() { apache2 -f "$dir/httpd.conf" -k start; }

# stop_apache [DIR]: stops the Apache of DIR (the last one started, when
# not given), if it runs, and waits for it to go.
stop_apache() {
  local dir=${1:-$apache_dir}
  [ -n "$dir" ] && [ -s "$dir/httpd.pid" ] || return 0
  stop_pid "$(cat "$dir/httpd.pid")"
  rm -f "$dir/httpd.pid"
}

# --- A private nginx -----------------------------------------------------------
nginx_dir=

# start_nginx DIR DOCROOT WORKERS CONNECTIONS HTTP SERVER: a private nginx
# with DIR/nginx.conf (pid file, error log and temporary files in DIR,
# workers running as www-data, no access log): WORKERS worker processes of
# CONNECTIONS connections each, the lines HTTP in its http block (an
# upstream) and SERVER in its one server, which listens on a free
# 127.0.0.1 port, set in $port (start_on_free_port: 5 tries), with
# DOCROOT as its root. When it does not answer: a failed check "nginx did
# not start" and status 1.
start_nginx() {
  local dir=$1 docroot=$2 workers=$3 connections=$4 http=$5 server=$6
  nginx_dir=$dir
  mkdir -p "$dir/tmp" || return 1
  start_on_free_port nginx "$dir" http nginx_configure_ nginx_start_ stop_nginx
}
# start_nginx's steps (they see its dir, docroot, workers, connections,
# http and server).
nginx_configure_() {
  cat >"$dir/nginx.conf" <<EOC
user www-data;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $connections; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    fastcgi_temp_path $dir/tmp/fastcgi;
    proxy_temp_path $dir/tmp/proxy;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$http
    server {
        listen 127.0.0.1:$port;
        root $docroot;
$server
    }
}
EOC
}
nginx_start_() { nginx -c "$dir/nginx.conf" -p "$dir"; }

# stop_nginx [DIR]: stops the nginx of DIR (the last one started, when not
# given), if it runs, and waits for it to go.
stop_nginx() {
  local dir=${1:-$nginx_dir}
  [ -n "$dir" ] && [ -s "$dir/nginx.pid" ] || return 0
  stop_pid "$(cat "$dir/nginx.pid")"
  rm -f "$dir/nginx.pid"
}

# --- Leaving nothing behind ------------------------------------------------------

# cleanup_on_exit FUNCTION: runs FUNCTION when the script exits, however it
# ends: at its end, on exit, or on INT or TERM (which end it with status
# 130 or 143). FUNCTION stops what the script started and removes its files.
cleanup_on_exit() {
  # shellcheck disable=SC2064 # FUNCTION is named now, run at exit
  trap "$1" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# print_log_if_failed NAME FILE [STATUS]: when a check failed, or STATUS
# (the script's exit status, $? at the start of the exit trap) is non-zero,
# prints the last 30 lines of FILE, NAME's error log, if there is one.
print_log_if_failed() {
  local name=$1 file=$2 rc=${3:-0}
  { [ "${failed:-0}" -ne 0 ] || [ "$rc" -ne 0 ]; } && [ -f "$file" ] || return 0
  echo "--- $name error log (last 30 lines) ---"
  tail -n 30 "$file"
}
