#!/usr/bin/env bash
# provlock fcgi and a web server that sends a request slowly (a slow client
# that it passes on, a slowloris): tests/fcgi/fcgi_client sends a byte every
# 500 ms, which no single read waits 10 s for, (1) a whole request, (2) the
# body of a request on a kept connection, (3) bytes after the answer on a
# connection being closed. Each time provlock must cut that connection off
# within 12 s of its start (its deadline is 10 s), and a GET on a connection
# of its own, sent a second after the slow one started, must be answered
# 200 within 13 s. Takes about 35 s.
#
# Usage: slow_test.sh PROVLOCK_BINARY FCGI_CLIENT_BINARY
set -u -o pipefail
bin=$(realpath "${1:?usage: slow_test.sh PROVLOCK_BINARY FCGI_CLIENT_BINARY}")
client=$(realpath "${2:?the fcgi_client binary}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.bash
source "$here/lib.bash"

pid=
cleanup() {
  stop_pid "$pid"
  rm -rf "$t"
}
setup_scratch
cleanup_on_exit cleanup

sock=$t/slow.sock
"$t/bin/provlock" fcgi --socket "$sock" 2>"$t/fcgi.err" &
pid=$!
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { fail "provlock fcgi --socket starts"; finish; exit; }

"$client" slow "$sock" "/$yealink.cfg" >"$t/slow" 2>&1
rc=$?
sed 's/^/     /' "$t/slow"
[ $rc -eq 0 ] && pass "every slow connection cut off, the other requests answered meanwhile" ||
  fail "slow connections (exit $rc)"
alive "$pid" && pass "the process is still there" || fail "the process is still there"
finish
