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
# shellcheck source=lib.bash
source "$here/lib.bash"
modules=$apache_modules
need apache2=apache2 curl=curl spawn-fcgi=spawn-fcgi openssl=openssl \
  $modules/mod_fcgid.so=libapache2-mod-fcgid || exit 1

fcgi_pid=
scratches=()
cleanup() {
  local rc=$?
  stop_apache
  stop_pid "$fcgi_pid"
  print_log_if_failed Apache "${t:-}/apache/error.log" "$rc"
  rm -rf "${scratches[@]}"
}
cleanup_on_exit cleanup

# new_scratch: a fresh $t (store, phones, files) for one round.
new_scratch() {
  setup_scratch
  scratches+=("$t")
  mkdir -p "$t/apache/fcgid" "$t/htdocs"
  chown www-data "$t/apache/fcgid"
  htpasswd_file "$t/apache/htpasswd"
}
# auth_block: the directives that put a <Location> behind Basic credentials.
auth_block() {
  printf '    AuthType Basic\n    AuthName phones\n    AuthBasicProvider file\n'
  printf '    AuthUserFile "%s"\n    Require valid-user\n' "$t/apache/htpasswd"
}

echo "# mod_fcgid: Apache starts provlock.cgi, which serves FastCGI"
new_scratch
if start_apache "$t/apache" "$t/htdocs" "LoadModule fcgid_module $modules/mod_fcgid.so
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
if start_apache "$t/apache" "$t/htdocs" "LoadModule proxy_module $modules/mod_proxy.so
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
