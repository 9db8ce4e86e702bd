#!/usr/bin/env bash
# End-to-end: provlock fcgi behind a real nginx, configured by
# contrib/nginx/provlock.conf and provlock-upstream.conf (only the socket
# path rewritten; nginx keeps its connections to provlock open), provlock
# started by spawn-fcgi with the listening socket on standard input (as
# contrib/systemd/provlock-fcgi.socket does), fetched by curl from several
# loopback addresses: the scenario of tests/fcgi/lib.bash, every status and
# body. Installs nginx, spawn-fcgi, curl and openssl when missing.
#
# Usage: nginx_test.sh PROVLOCK_BINARY
set -u -o pipefail
bin=$(realpath "${1:?usage: nginx_test.sh PROVLOCK_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
snippet=$(realpath "$here/../../contrib/nginx/provlock.conf") || exit 1
upstream=$(realpath "$here/../../contrib/nginx/provlock-upstream.conf") || exit 1
# shellcheck source=lib.bash
source "$here/lib.bash"
need nginx=nginx spawn-fcgi=spawn-fcgi curl=curl openssl=openssl || exit 1

fcgi_pid=
cleanup() {
  local rc=$?
  stop_nginx
  stop_pid "$fcgi_pid"
  print_log_if_failed nginx "$t/nginx/error.log" "$rc"
  rm -rf "$t"
}
setup_scratch
cleanup_on_exit cleanup
mkdir -p "$t/nginx" "$t/run"
sock=$t/run/fcgi.sock
spawn_fcgi "$sock" "$t/bin/provlock" fcgi && pass "spawn-fcgi started provlock fcgi (pid $fcgi_pid)" ||
  { fail "spawn-fcgi started provlock fcgi"; finish; exit 1; }

# The shipped snippet and upstream, the socket rewritten; and a copy of the
# snippet under /authprov/ behind HTTP Basic credentials (REMOTE_USER).
cp "$snippet" "$t/nginx/provlock.conf"
sed "s|unix:/run/provlock/fcgi.sock|unix:$sock|" "$upstream" >"$t/nginx/provlock-upstream.conf"
grep -q "unix:$sock;" "$t/nginx/provlock-upstream.conf" && pass "the upstream's socket is rewritten" ||
  fail "the upstream names unix:/run/provlock/fcgi.sock"
sed -e 's|/provisioning|/authprov|g' \
  -e "s|^location /authprov/ {|location /authprov/ {\n    auth_basic phones;\n    auth_basic_user_file $t/nginx/htpasswd;|" \
  "$t/nginx/provlock.conf" >"$t/nginx/provlock-auth.conf"
htpasswd_file "$t/nginx/htpasswd"

start_nginx "$t/nginx" "$t/htdocs" 1 64 "    include $t/nginx/provlock-upstream.conf;" \
  "        include $t/nginx/provlock.conf;
        include $t/nginx/provlock-auth.conf;" || { finish; exit 1; }
echo "nginx listening on 127.0.0.1:$port"

replay_with_curl "$port" /provisioning /authprov
"$t/bin/provlock" log | grep -q 'first-provision' && pass "the journal has the first provision" ||
  fail "the journal has the first provision"
alive "$fcgi_pid" && pass "one provlock process answered them all (pid $fcgi_pid)" ||
  fail "provlock fcgi is still running"
# nginx keeps its connection: after the last answer, provlock still holds
# one besides its listening socket (it closed each before keep-alive).
sockets=$(find "/proc/$fcgi_pid/fd" -lname 'socket:*' 2>/dev/null | wc -l)
[ "$sockets" -ge 2 ] && pass "nginx keeps its connection to provlock open ($sockets sockets)" ||
  fail "nginx keeps its connection to provlock open (provlock holds $sockets sockets)"
finish
