#!/usr/bin/env bash
# provlock fcgi without a web server: tests/fcgi/fcgi_client speaks FastCGI
# to it over a Unix socket.
#   1. The same answers as provlock cgi: a scenario (first provision, same
#      and foreign address, a scanner banned, self-unban, HEAD, 405, 404, 400,
#      REMOTE_USER) through provlock fcgi, and through provlock cgi run with
#      the same CGI variables on a twin store at the same PROVLOCK_NOW: the
#      whole responses (headers and body) and the journals are equal.
#   2. Long life: a config change is seen without a restart, a bad config is
#      reported once and the last good one kept, SIGHUP re-reads, a store
#      error is a 503 and the next request is served, `now` is read per
#      request, SIGTERM ends it between requests (a request in flight is
#      answered first, exit 0) and at once while idle.
#   3. FCGI_REQUESTS (default 1,000,000) requests of a mixed load, each
#      answer checked, through provlock.cgi started by spawn-fcgi (a
#      listening socket on standard input): the descriptors after 10,000
#      requests and at the end are the same, and the RSS grew by less than
#      1 MiB. A million take about 4 minutes on 2 cores (4,000 requests/s,
#      most of it the store's own work per decision).
#   4. Kept connections (FCGI_KEEP_CONN, nginx's fastcgi_keep_conn): many
#      requests on each of 53 connections open at once, requests on
#      connections of their own between them, at most 64 kept (the least
#      recently used closed), a malformed record dropping its connection
#      only, and the descriptors back where they were once all are closed.
#
# Usage: client_test.sh PROVLOCK_BINARY FCGI_CLIENT_BINARY
set -u -o pipefail
bin=$(realpath "${1:?usage: client_test.sh PROVLOCK_BINARY FCGI_CLIENT_BINARY}")
client=$(realpath "${2:?the fcgi_client binary}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.bash
source "$here/lib.bash"
need spawn-fcgi=spawn-fcgi || exit 1

pids=()
cleanup() {
  for p in "${pids[@]}"; do stop_pid "$p"; done
  rm -rf "$t"
}
now=2026-12-01T10:00:00Z
setup_scratch "$now"
cleanup_on_exit cleanup

# fcgi_by_hand SOCKET: provlock fcgi --socket SOCKET in the background, its
# stderr in $t/fcgi.err; sets $pid.
fcgi_by_hand() {
  rm -f "$1"
  "$t/bin/provlock" fcgi --socket "$1" 2>"$t/fcgi.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done
  return 1
}
# one METHOD ADDR PATH [USER]: one request through the client; sets $status, $body.
one() {
  printf '%s|%s|%s|%s||\n' "$1" "$2" "$3" "${4:-}" >"$t/one"
  local out
  out=$("$client" replay "$sock" "$t/one" | tr -d '\r')
  status=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
  body=$(sed '1,/^$/d' <<<"$out")
}

echo "# the same answers as provlock cgi"
cp -a "$t/store" "$t/store-cgi"
scenario_lines | cut -d '|' -f 1-6 >"$t/scenario"
sock=$t/diff.sock
PROVLOCK_STORE=$t/store PROVLOCK_NOW=$now fcgi_by_hand "$sock" || fail "provlock fcgi --socket starts"
"$client" replay "$sock" "$t/scenario" >"$t/fcgi.out"
stop_pid "$pid"
n=0
while IFS='|' read -r method addr path user ua reqbody; do
  n=$((n + 1))
  vars=(GATEWAY_INTERFACE=CGI/1.1 "REQUEST_METHOD=$method" "REMOTE_ADDR=$addr"
    SCRIPT_NAME=/provisioning "PATH_INFO=$path" "REQUEST_URI=/provisioning$path"
    SERVER_PROTOCOL=HTTP/1.1 "PROVLOCK_CONFIG=$t/provlock.toml" "PROVLOCK_STORE=$t/store-cgi"
    "PROVLOCK_NOW=$now")
  [ -n "$user" ] && vars+=("REMOTE_USER=$user")
  [ -n "$ua" ] && vars+=("HTTP_USER_AGENT=$ua")
  [ -n "$reqbody" ] && vars+=("CONTENT_LENGTH=${#reqbody}")
  echo "=== $n"
  printf '%s' "$reqbody" | env -i "${vars[@]}" "$t/bin/provlock" cgi 2>/dev/null
  echo
done <"$t/scenario" >"$t/cgi.out"
if cmp -s "$t/fcgi.out" "$t/cgi.out"; then
  pass "$n requests: provlock fcgi's responses are byte for byte provlock cgi's"
else
  fail "provlock fcgi and provlock cgi differ: $(diff "$t/cgi.out" "$t/fcgi.out" | head -n 20)"
fi
want=$(scenario_lines | cut -d '|' -f 7 | cut -d ' ' -f 1 | tr '\n' ' ')
got=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$t/fcgi.out" | tr '\n' ' ')
[ "$got" = "$want" ] && pass "the statuses are the scenario's: $got" || fail "statuses: got $got, wanted $want"
scenario_lines | cut -d '|' -f 7 | grep -n ' ' | while IFS=: read -r i text; do
  text=${text#* }
  awk -v n="$i" '/^=== / {s = ($2 == n)} s' "$t/fcgi.out" | grep -qF "$text" ||
    echo "request $i lacks '$text'"
done >"$t/missing"
[ ! -s "$t/missing" ] && pass "every body says what the scenario wants" || fail "bodies: $(cat "$t/missing")"
"$t/bin/provlock" --store "$t/store" log --json >"$t/journal.fcgi"
"$t/bin/provlock" --store "$t/store-cgi" log --json >"$t/journal.cgi"
if [ -s "$t/journal.fcgi" ] && cmp -s "$t/journal.fcgi" "$t/journal.cgi"; then
  pass "the journals are equal ($(wc -l <"$t/journal.fcgi") entries)"
else
  fail "the journals differ: $(diff "$t/journal.cgi" "$t/journal.fcgi" | head -n 10)"
fi

echo "# a config change without a restart"
sock=$t/live.sock
fcgi_by_hand "$sock" || fail "provlock fcgi --socket starts again"
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "public yealink common config" "the public file from cgi.root"
mkdir -p "$t/root2" && echo "another root's file" >"$t/root2/y000000000028.cfg" && chmod -R a+rX "$t/root2"
cp "$t/provlock.toml" "$t/good.toml"
sed -i "s|^root = .*|root = \"$t/root2\"|" "$t/provlock.toml"
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "another root's file" "a changed cgi.root is in force at the next request"
printf '[cgi\nroot = 1\n' >"$t/provlock.toml"
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "another root's file" "a config that does not parse: the last good one stays in force"
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "another root's file" "... at every request"
n=$(grep -c 'not reloaded' "$t/fcgi.err")
[ "$n" = 1 ] && pass "the bad config is reported once on stderr" || fail "reported $n times: $(cat "$t/fcgi.err")"
grep -q "provlock.toml" "$t/fcgi.err" && pass "... naming the file" || fail "the report names the file: $(cat "$t/fcgi.err")"
cp "$t/good.toml" "$t/provlock.toml"
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "public yealink common config" "the config fixed: in force again"
# The same size and modification time: only SIGHUP can tell.
stamp=$(stat -c %y "$t/provlock.toml")
sed "s|$t/root\"|$t/roo2\"|" "$t/good.toml" >"$t/provlock.toml.new" && cat "$t/provlock.toml.new" >"$t/provlock.toml"
touch -d "$stamp" "$t/provlock.toml"
mkdir -p "$t/roo2" && echo "SIGHUP's root" >"$t/roo2/y000000000028.cfg" && chmod -R a+rX "$t/roo2"
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "public yealink common config" "a change stat() cannot see is not seen"
kill -HUP "$pid"
sleep 0.2
one GET 127.0.0.5 /y000000000028.cfg
expect 200 "SIGHUP's root" "SIGHUP re-reads the config"
alive "$pid" && pass "SIGHUP does not end it" || fail "SIGHUP does not end it"
cp "$t/good.toml" "$t/provlock.toml"

echo "# a store error is one request's 503"
one GET 127.0.0.7 /gs/settings.xml
expect 404 "" "(the Grandstream file without a User-Agent names no MAC)"
record=$(find "$t/store" -name "$gs.json")
printf '{ not json' >"$record"
one GET 127.0.0.7 "/$gs.cfg"
expect 503 "store-error" "an unreadable device record: 503 store-error"
one GET 127.0.0.2 "/$yealink.cfg"
expect 200 "yealink config" "the next request is served"
grep -q "$gs" "$t/fcgi.err" && fail "a request's error goes to its FastCGI error stream, not stderr" ||
  pass "a request's error goes to its FastCGI error stream, not stderr"

echo "# now is read per request"
"$t/bin/provlock" add 0015650000a1 0015650000a2 >/dev/null
printf 'x\n' >"$t/root/0015650000a1.cfg" && cp "$t/root/0015650000a1.cfg" "$t/root/0015650000a2.cfg"
one GET 127.0.0.20 /0015650000a1.cfg
sleep 1.1
one GET 127.0.0.20 /0015650000a2.cfg
t1=$("$t/bin/provlock" show 0015650000a1 | sed -n 's/^last_seen: //p')
t2=$("$t/bin/provlock" show 0015650000a2 | sed -n 's/^last_seen: //p')
[ -n "$t1" ] && [ "$t1" != "$t2" ] && pass "two requests a second apart: $t1, $t2" || fail "last_seen $t1 and $t2"

echo "# SIGTERM"
"$client" inflight "$sock" "$pid" "/$yealink.cfg" >"$t/inflight" 2>&1
grep -q '^Status: 200' "$t/inflight" && pass "SIGTERM during a request: the request is answered" ||
  fail "SIGTERM during a request: $(cat "$t/inflight")"
wait "$pid"
rc=$?
[ $rc -eq 0 ] && pass "... then it exits 0" || fail "... then it exits 0 (exit $rc)"
fcgi_by_hand "$sock"
sleep 0.3
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && [ $ms -lt 1000 ] && pass "SIGTERM while idle: exit 0 in $ms ms" || fail "SIGTERM while idle: exit $rc after $ms ms"

echo "# how it starts"
"$t/bin/provlock" fcgi </dev/null 2>"$t/err"
rc=$?
[ $rc -eq 64 ] && grep -q 'standard input is not a listening socket' "$t/err" &&
  pass "no socket on standard input: exit 64, saying so" || fail "no socket: exit $rc: $(cat "$t/err")"
"$t/bin/provlock" fcgi --socket nowhere 2>"$t/err"
rc=$?
[ $rc -eq 64 ] && grep -q "'nowhere'" "$t/err" && pass "--socket nowhere: exit 64 naming it" ||
  fail "--socket nowhere: exit $rc: $(cat "$t/err")"
"$t/bin/provlock" fcgi --socket 127.0.0.1:99999 2>"$t/err"
rc=$?
[ $rc -eq 64 ] && pass "--socket with port 99999: exit 64" || fail "--socket port 99999: exit $rc: $(cat "$t/err")"

# --socket :PORT names no host: it listens on loopback only (whoever can
# connect can pass any REMOTE_ADDR), never on every address.
port=$(free_port)
"$t/bin/provlock" fcgi --socket ":$port" 2>"$t/err" &
any_pid=$!
hex_port=$(printf '%04X' "$port")
listening=
for _ in $(seq 1 50); do
  listening=$(awk -v p=":$hex_port" '$4 == "0A" && substr($2, length($2) - 4) == p {print $2}' /proc/net/tcp)
  [ -n "$listening" ] && break
  sleep 0.1
done
kill -TERM "$any_pid" 2>/dev/null
wait "$any_pid" 2>/dev/null
[ "$listening" = "0100007F:$hex_port" ] && pass "--socket :$port listens on 127.0.0.1 only" ||
  fail "--socket :$port listens on '${listening:-nothing}': $(cat "$t/err")"

count=${FCGI_REQUESTS:-1000000}
echo "# $count requests: answers, descriptors, memory"
sock=$t/load.sock
rm -rf "$t/store" && install -d -m 2775 -g www-data "$t/store"
load_store=$t/store
[ -d /dev/shm ] && load_store=$(mktemp -d /dev/shm/provlock-fcgi-load.XXXXXX) && chgrp www-data "$load_store" &&
  chmod 2775 "$load_store"
cat >"$t/load.toml" <<EOC
store = "$load_store"
[cgi]
root = "$t/root"
[ban]
ignore = ["10.0.0.0/8"]
EOC
printf 'loaded phone a\n' >"$t/root/0015650000a1.cfg"
printf 'loaded phone b\n' >"$t/root/0015650000b2.cfg"
PROVLOCK_CONFIG=$t/load.toml PROVLOCK_NOW=$now "$t/bin/provlock" add 0015650000a1 0015650000b2 >/dev/null
chown -R www-data "$load_store"
if PROVLOCK_CONFIG=$t/load.toml PROVLOCK_NOW=$now spawn_fcgi "$sock" "$t/bin/provlock.cgi"; then
  pass "provlock.cgi started by spawn-fcgi (pid $fcgi_pid) serves FastCGI"
  pids+=("$fcgi_pid")
  if "$client" load "$sock" "$fcgi_pid" "$count" "$t/root" 0015650000a1 0015650000b2 >"$t/load" 2>&1; then
    pass "$count requests: $(tail -n 1 "$t/load")"
  else
    fail "$count requests"
  fi
  sed 's/^/     /' "$t/load"
  alive "$fcgi_pid" && pass "the process is still there" || fail "the process is still there"
  # Connections the web server keeps open (nginx: fastcgi_keep_conn on).
  if "$client" keep "$sock" "$fcgi_pid" 10000 "$t/root" 0015650000a1 >"$t/keep" 2>&1; then
    pass "kept connections: $(tail -n 1 "$t/keep")"
  else
    fail "kept connections"
    sed 's/^/     /' "$t/keep"
  fi
  stop_pid "$fcgi_pid"
else
  fail "provlock.cgi started by spawn-fcgi"
fi
[ "$load_store" != "$t/store" ] && rm -rf "$load_store"
finish
