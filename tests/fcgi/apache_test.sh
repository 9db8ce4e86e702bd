#!/usr/bin/env bash
# End-to-end: provlock's FastCGI front behind a real Apache 2.4, once with
# mod_fcgid (contrib/apache/provlock-fcgid.conf: Apache starts provlock.cgi
# with a listening socket on standard input) and once with mod_proxy_fcgi
# (contrib/apache/provlock-proxy-fcgi.conf, to provlock fcgi started by
# spawn-fcgi), each snippet included as shipped with only its Define'd names
# set, each fetched by curl from several loopback addresses: the scenario of
# tests/fcgi/lib.bash, every status and body. Installs apache2,
# apache2-utils, libapache2-mod-fcgid, spawn-fcgi, curl and openssl when
# missing.
#
# Usage: apache_test.sh PROVLOCK_BINARY
set -u -o pipefail
bin=$(realpath "${1:?usage: apache_test.sh PROVLOCK_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
contrib=$(realpath "$here/../../contrib/apache") || exit 1
source "$here/lib.bash"
modules=/usr/lib/apache2/modules
need apache2=apache2 curl=curl spawn-fcgi=spawn-fcgi openssl=openssl \
  $modules/mod_fcgid.so=libapache2-mod-fcgid || exit 1

fcgi_pid=
scratches=()
stop_apache() {
  [ -s "$t/apache/httpd.pid" ] && stop_pid "$(cat "$t/apache/httpd.pid")"
  rm -f "$t/apache/httpd.pid"
}
cleanup() {
  stop_apache
  stop_pid "$fcgi_pid"
  if [ "$failed" -ne 0 ] && [ -f "$t/apache/error.log" ]; then
    echo "--- Apache error log (last 30 lines) ---"
    tail -n 30 "$t/apache/error.log"
  fi
  rm -rf "${scratches[@]}"
}
trap cleanup EXIT

# start_apache MODULES_AND_SITE: a private Apache on 127.0.0.1:$port with
# the base configuration and MODULES_AND_SITE; fails if it does not answer.
start_apache() {
  local site=$1 started=
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    port_in_use "$port" && continue
    cat >"$t/apache/httpd.conf" <<EOC
ServerRoot "$t/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$t/apache/httpd.pid"
DefaultRuntimeDir "$t/apache/run"
ErrorLog "$t/apache/error.log"
LogLevel warn
User www-data
Group www-data
DocumentRoot "$t/htdocs"
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authn_file_module $modules/mod_authn_file.so
LoadModule auth_basic_module $modules/mod_auth_basic.so
LoadModule alias_module $modules/mod_alias.so
<Directory />
    Require all denied
</Directory>
<Directory "$t/htdocs">
    Require all granted
</Directory>
$site
EOC
    if apache2 -f "$t/apache/httpd.conf" -k start 2>"$t/apache/start.err"; then
      for _ in $(seq 1 50); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && { started=1; break; }
        sleep 0.1
      done
    fi
    [ -n "$started" ] && return 0
    stop_apache
  done
  fail "Apache did not start: $(cat "$t/apache/start.err")"
  return 1
}

# new_scratch: a fresh $t (store, phones, files) for one round.
new_scratch() {
  setup_scratch
  scratches+=("$t")
  mkdir -p "$t/apache/run" "$t/apache/fcgid" "$t/htdocs"
  chown www-data "$t/apache/run" "$t/apache/fcgid"
  htpasswd_file "$t/apache/htpasswd"
}
# auth_block: the directives that put a <Location> behind Basic credentials.
auth_block() {
  printf '    AuthType Basic\n    AuthName phones\n    AuthBasicProvider file\n'
  printf '    AuthUserFile "%s"\n    Require valid-user\n' "$t/apache/htpasswd"
}

echo "# mod_fcgid: Apache starts provlock.cgi, which serves FastCGI"
new_scratch
if start_apache "LoadModule fcgid_module $modules/mod_fcgid.so
FcgidIPCDir \"$t/apache/fcgid\"
FcgidProcessTableFile \"$t/apache/fcgid/shm\"
Define PROVLOCK_CGI \"$t/bin/provlock.cgi\"
Define PROVLOCK_CONFIG \"$t/provlock.toml\"
Include \"$contrib/provlock-fcgid.conf\"
Alias /authprov \"$t/bin/provlock.cgi\"
<Location /authprov>
    SetHandler fcgid-script
    Options +ExecCGI
$(auth_block)
</Location>"; then
  echo "Apache (mod_fcgid) listening on 127.0.0.1:$port"
  replay_with_curl "$port" /provisioning /authprov
  pids=$(pgrep -u www-data -f "^$t/bin/provlock.cgi" | tr '\n' ' ')
  [ -n "$pids" ] && pass "mod_fcgid keeps provlock.cgi running between requests (pid $pids)" ||
    fail "no provlock.cgi process of mod_fcgid's is running"
  stop_apache
fi

echo "# mod_proxy_fcgi: Apache passes requests to provlock fcgi on a socket"
new_scratch
sock=$t/run/fcgi.sock
mkdir -p "$t/run"
spawn_fcgi "$sock" "$t/bin/provlock" fcgi && pass "spawn-fcgi started provlock fcgi (pid $fcgi_pid)" ||
  fail "spawn-fcgi started provlock fcgi"
if start_apache "LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_fcgi_module $modules/mod_proxy_fcgi.so
Define PROVLOCK_SOCKET \"$sock\"
Include \"$contrib/provlock-proxy-fcgi.conf\"
<Location /authprov/>
    ProxyPass \"unix:$sock|fcgi://localhost/authprov/\"
    ProxyFCGISetEnvIf \"true\" SCRIPT_NAME \"/authprov\"
    ProxyFCGISetEnvIf \"true\" !PATH_INFO
$(auth_block)
</Location>"; then
  echo "Apache (mod_proxy_fcgi) listening on 127.0.0.1:$port"
  replay_with_curl "$port" /provisioning /authprov
  alive "$fcgi_pid" && pass "one provlock process answered them all (pid $fcgi_pid)" ||
    fail "provlock fcgi is still running"
  stop_apache
fi
finish
