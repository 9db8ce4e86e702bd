#!/usr/bin/env bash
# provlock against something on an etcd endpoint's port that is not a sound
# etcd (tests/etcd/fake_etcd.py: a wrong server, a man in the middle of a
# plain-text link, a TLS-only port, etcd without its JSON gateway), through
# the JSON gateway's transport (store/etcd/etcd_http.cpp). Asserted for
# each: a clean exit with the SPEC's code (74 for an answer that is not
# etcd's, 75 for none in time, 78 for a port that needs another
# configuration), never a crash, a hang past the budget or an answer
# mistaken for an empty store; `check` still prints its decision line;
# a server's text never starts a line of provlock's own on stderr.
# usage: hostile_test.sh PROVLOCK
set -uo pipefail
bin=${1:?usage: hostile_test.sh PROVLOCK}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-hostile.XXXXXX")
fake=
cleanup() {
  [[ -n $fake ]] && kill "$fake" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
  echo "      stdout: $(head -c 300 "$tmp/out")" >&2
  echo "      stderr: $(head -c 500 "$tmp/err")" >&2
}
printf '[store]\ntimeout = "1s"\nretries = 0\n[journal]\ndir = "%s/journal"\n' "$tmp" >"$tmp/provlock.toml"

# serve MODE: a fake etcd in that mode; sets $url.
serve() {
  [[ -n $fake ]] && kill "$fake" 2>/dev/null && wait "$fake" 2>/dev/null
  rm -f "$tmp/port"
  python3 "$here/fake_etcd.py" "$tmp/port" "$1" &
  fake=$!
  for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.05; done
  url=etcd://127.0.0.1:$(cat "$tmp/port")/$1
}
# run ARGS...: provlock on the fake; sets $rc and $ms (stdout in $tmp/out,
# stderr in $tmp/err).
run() {
  local t0
  t0=$(date +%s%N)
  PROVLOCK_CONFIG=$tmp/provlock.toml PROVLOCK_STORE=$url timeout -k 2 20 "$bin" "$@" \
    >"$tmp/out" 2>"$tmp/err" <"${stdin:-/dev/null}"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
}
# expect_check MODE RC PATTERN: a check exits RC, prints deny store-error,
# says PATTERN on stderr in one line, within 3 s (the budget is 1 s).
expect_check() {
  local mode=$1 want=$2 pattern=$3
  serve "$mode"
  run check 00:11:22:33:44:01 192.0.2.1
  echo "$mode: check exit $rc in $ms ms: $(head -1 "$tmp/err")"
  if [[ $rc == "$want" && $(cat "$tmp/out") == "deny store-error" && $(wc -l <"$tmp/err") == 1 &&
    $(cat "$tmp/err") == provlock:*$pattern* ]] && ((ms < 3000)); then ok; else
    bad "$mode: check exit $rc in $ms ms, wanted $want, deny store-error and '$pattern' within 3 s"
  fi
}

expect_check deep 74 "not a JSON object"
expect_check badmsg 75 "code 14"
expect_check empty 74 "without the store's revision"
expect_check https 78 "TLS only*ca"
expect_check nogateway 78 "enable-grpc-gateway"
expect_check badchunk 74 "without its size"
expect_check huge 74 "an answer over"
expect_check hang 75 "no answer in time"
expect_check drip 75 "no answer in time"
expect_check inject 74 "x?provlock: injected"
# The server's line break did not make a line of its own.
grep -q '^provlock: injected' "$tmp/err" && bad "inject: the server's text began a line on stderr" || ok

# check --batch goes on after each: two requests, two answers.
serve badmsg
printf '00:11:22:33:44:01 192.0.2.1\n00:11:22:33:44:02 192.0.2.2\n' >"$tmp/in"
stdin=$tmp/in run check --batch
[[ $rc == 75 && $(cat "$tmp/out") == $'deny store-error\ndeny store-error' ]] && ok ||
  bad "badmsg: check --batch exit $rc, wanted two deny store-error lines and 75"

# An answer that is not etcd's is never an empty store.
serve empty
run list
[[ $rc == 74 ]] && ok || bad "empty: list exit $rc, wanted 74"
run fsck
[[ $rc == 74 ]] && ok || bad "empty: fsck exit $rc, wanted 74"
# A scan whose pages never move on ends, at once.
serve loop
run fsck
echo "loop: fsck exit $rc in $ms ms: $(head -1 "$tmp/err")"
[[ $rc == 74 && $(cat "$tmp/err") == *"out of order"* ]] && ((ms < 3000)) && ok ||
  bad "loop: fsck exit $rc in $ms ms, wanted 74 (out of order) within 3 s"

echo "hostile_test: $passed passed, $failed failed"
((failed == 0))
