#!/usr/bin/env bash
# provlock on an etcd store, as an operator meets it, against a real 3-node
# cluster on loopback that requires client certificates (cluster.bash tls):
# TLS set up right and wrong, configuration errors (78), provlock without
# provlock-etcd beside it, add - in batches, fsck and fsck --repair on a
# damaged record and a stray key, and the local journal naming its host.
# usage: store_cli_test.sh PROVLOCK   (provlock-etcd beside it)
set -uo pipefail
bin=$(realpath "${1:?usage: store_cli_test.sh PROVLOCK}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/etcd/cluster.bash
source "$here/cluster.bash"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-etcd-cli.XXXXXX")
etcd_on_exit() { rm -rf "$tmp"; }
passed=0 failed=0
out= rc=
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
  echo "      output: $out" >&2
}
# run ARGS...: provlock with the config in $tmp/provlock.toml; sets $out (stdout and stderr) and $rc.
run() {
  out=$(PROVLOCK_CONFIG=$tmp/provlock.toml "$bin" "$@" 2>&1)
  rc=$?
}
# expect RC PATTERN ARGS...: exit RC, and output matching the glob PATTERN.
expect() {
  local want_rc=$1 pattern=$2
  shift 2
  run "$@"
  # shellcheck disable=SC2053
  if [[ $rc == "$want_rc" && $out == $pattern ]]; then ok; else bad "provlock $* -> exit $rc, wanted $want_rc and '$pattern'"; fi
}

etcd_cluster_start tls || exit 1
store=etcd://$ETCD_ENDPOINTS/cli
export PROVLOCK_STORE=$store
# config [EXTRA LINES...]: the [store] TLS files (unless EXTRA gives its
# own [store]) and a journal folder of the test's.
config() {
  {
    printf '[journal]\ndir = "%s/journal"\n' "$tmp"
    if [[ $* != *'[store]'* ]]; then
      printf '[store]\nca = "%s"\ncert = "%s"\nkey = "%s"\n' "$ETCD_CA" "$ETCD_CERT" "$ETCD_KEY"
    fi
    printf '%s\n' "$@"
  } >"$tmp/provlock.toml"
}

# --- TLS with a client certificate ------------------------------------------------
config
expect 0 '001122334401 added' add 00:11:22:33:44:01
expect 0 'allow first-provision' check 00:11:22:33:44:01 192.0.2.1
expect 0 'allow same-ip' check 00:11:22:33:44:01 192.0.2.1
expect 1 'deny locked' check 00:11:22:33:44:01 192.0.2.2

# A certificate the cluster's CA did not sign: refused at the handshake,
# which looks to the client like a node that does not answer: 75, within
# the budget (1 s x 2 rounds), naming TLS.
config "[store]" "ca = \"$ETCD_CA\"" "cert = \"$ETCD_STRANGER_CERT\"" "key = \"$ETCD_STRANGER_KEY\"" \
  'timeout = "1s"' 'retries = 1'
started=$(date +%s%N)
expect 75 'deny store-error*TLS*' check 00:11:22:33:44:01 192.0.2.1
took=$((($(date +%s%N) - started) / 1000000))
((took < 6000)) && ok || bad "a refused certificate took $took ms to fail (budget 2 s)"
# No certificate at all, while the cluster requires one.
config "[store]" "ca = \"$ETCD_CA\"" 'timeout = "1s"' 'retries = 0'
expect 75 'deny store-error*' check 00:11:22:33:44:01 192.0.2.1

# --- Configuration errors: 78, naming what is wrong ------------------------------------
config "[store]" "cert = \"$ETCD_CERT\"" "key = \"$ETCD_KEY\""
expect 78 '*needs a CA file*' check 00:11:22:33:44:01 192.0.2.1
config "[store]" "ca = \"$ETCD_CA\"" "cert = \"$ETCD_CERT\""
expect 78 '*store.cert is set without store.key*' check 00:11:22:33:44:01 192.0.2.1
: >"$tmp/empty.pem"
config "[store]" "ca = \"$tmp/empty.pem\""
expect 78 "*$tmp/empty.pem* is empty*" check 00:11:22:33:44:01 192.0.2.1
config "[store]" "ca = \"$tmp/missing.pem\""
expect 78 "*$tmp/missing.pem*No such file*" list
config
expect 78 "*etcd://127.0.0.1:99999/x*port*" --store etcd://127.0.0.1:99999/x list
expect 78 "*etcd://127.0.0.1:2379*PREFIX*" --store etcd://127.0.0.1:2379 list
# provlock alone, without provlock-etcd beside it or in ../lib/provlock/.
mkdir -p "$tmp/alone/bin" && cp "$bin" "$tmp/alone/bin/provlock"
out=$(PROVLOCK_CONFIG=$tmp/provlock.toml "$tmp/alone/bin/provlock" list 2>&1)
rc=$?
[[ $rc == 78 && $out == *provlock-etcd*"cannot be started"* ]] && ok ||
  bad "provlock without provlock-etcd: exit $rc, wanted 78 naming provlock-etcd"

# --- A CGI request with a body: provlock execs provlock-etcd before it reads
# the body, so the request is answered while the web server still holds
# its end of standard input open (it closes it only after the answer).
config
mkdir -p "$tmp/files"
printf '[cgi]\nroot = "%s"\n' "$tmp/files" >>"$tmp/provlock.toml"
mkfifo "$tmp/body"
(printf 'x=123' && sleep 4) >"$tmp/body" &
holder=$!
started=$(date +%s%N)
PROVLOCK_CONFIG=$tmp/provlock.toml GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=5 \
  REMOTE_ADDR=192.0.2.50 SCRIPT_NAME=/provisioning PATH_INFO=/unban-self \
  timeout 10 "$bin" cgi <"$tmp/body" >"$tmp/cgi.out" 2>&1
took=$((($(date +%s%N) - started) / 1000000))
out=$(cat "$tmp/cgi.out")
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
[[ $out == Status:* ]] && ((took < 3000)) && ok ||
  bad "a CGI POST on an etcd store took $took ms (its body was read before the exec?)"

# --- add - in batches of one txn each ------------------------------------------------
for i in $(seq 0 299); do printf '0200000%05x\n' "$i"; done >"$tmp/macs"
run add - <"$tmp/macs"
[[ $rc == 0 && $(grep -c ' added$' <<<"$out") == 300 ]] && ok || bad "add - of 300: exit $rc"
run add - <"$tmp/macs"
[[ $rc == 0 && $(grep -c ' exists (unchanged)$' <<<"$out") == 300 ]] && ok || bad "add - of 300 again: exit $rc"
run list --json
[[ $rc == 0 && $(grep -c '"state":"new"' <<<"$out") == 300 ]] && ok || bad "list after add -: exit $rc"

# --- fsck on etcd ------------------------------------------------------------------
expect 0 'fsck: 302 sound records, 0 findings, 0 left as they are' fsck
etcdctl_all put cli/devices/020000000007 '{"format": "garbage' >/dev/null
etcdctl_all put cli/junk/x 1 >/dev/null
expect 74 'deny store-error*' check 02:00:00:00:00:07 192.0.2.7
[[ $(etcdctl_all get --print-value-only cli/devices/020000000007) == '{"format": "garbage' ]] && ok ||
  bad "check overwrote an unreadable record"
expect 74 "*bad-record: etcd:cli/devices/020000000007: unreadable record: parse error*stray: etcd:cli/junk/x*fsck: 301 sound records, 2 findings, 2 left as they are" fsck
run fsck --repair
[[ $rc == 74 && $out == *"moved to etcd:cli/quarantine/"* ]] && ok || bad "fsck --repair: exit $rc"
[[ -z $(etcdctl_all get --print-value-only cli/devices/020000000007) &&
  $(etcdctl_all get --prefix --keys-only cli/quarantine/ | grep -c .) == 1 ]] && ok ||
  bad "fsck --repair did not move the record to quarantine/"
etcdctl_all del cli/junk/x >/dev/null
expect 0 'fsck: 301 sound records, 0 findings, 0 left as they are' fsck

# --- The local journal -------------------------------------------------------------
host=$(hostname)
run log --json
[[ $rc == 0 && $out == *"the journal of this server ($host) only"* ]] && ok || bad "log does not say whose journal it is"
lines=$(grep -c "\"host\":\"$host\"" "$tmp"/journal/*.jsonl)
all=$(cat "$tmp"/journal/*.jsonl | wc -l)
[[ $lines -gt 300 && $lines == "$all" ]] && ok || bad "$lines of $all journal lines name host $host"
run expire
[[ $rc == 0 && $out == expired:* ]] && ok || bad "expire: exit $rc"

# --- A plain-text cluster: provlock opens it itself --------------------------------
# Over etcd's JSON gateway (store/etcd/etcd_http.hpp), with no provlock-etcd
# anywhere: the copy of provlock alone above. A host name among the
# endpoints still needs provlock-etcd (gRPC's resolver), and provlock-etcd
# on the same store sees what provlock wrote, and the reverse.
etcd_cluster_stop
etcd_cluster_start || exit 1
config "[store]" 'timeout = "2s"'
alone=$tmp/alone/bin/provlock
plain=etcd://$ETCD_ENDPOINTS/plain
# run_alone ARGS...: the lone provlock on the plain-text store.
run_alone() {
  out=$(PROVLOCK_CONFIG=$tmp/provlock.toml PROVLOCK_STORE=$plain "$alone" "$@" 2>&1)
  rc=$?
}
run_alone add 00:11:22:33:44:a1
[[ $rc == 0 && $out == '0011223344a1 added' ]] && ok ||
  bad "provlock alone: add on a plain-text store: exit $rc"
run_alone check 00:11:22:33:44:a1 192.0.2.1
[[ $rc == 0 && $out == 'allow first-provision' ]] && ok || bad "provlock alone: first check: exit $rc"
run_alone check 00:11:22:33:44:a1 192.0.2.2
[[ $rc == 1 && $out == 'deny locked' ]] && ok || bad "provlock alone: check from another address: exit $rc"
# provlock-etcd (gRPC) on the same keys sees the binding, and writes what
# the lone provlock then reads.
out=$(PROVLOCK_CONFIG=$tmp/provlock.toml PROVLOCK_STORE=$plain "$(dirname "$bin")/provlock-etcd" \
  check 00:11:22:33:44:a1 192.0.2.1 2>&1)
rc=$?
[[ $rc == 0 && $out == 'allow same-ip' ]] && ok || bad "provlock-etcd on provlock's record: exit $rc"
out=$(PROVLOCK_CONFIG=$tmp/provlock.toml PROVLOCK_STORE=$plain "$(dirname "$bin")/provlock-etcd" \
  unlock 00:11:22:33:44:a1 2>&1)
rc=$?
run_alone check 00:11:22:33:44:a1 192.0.2.2
[[ $rc == 0 && $out == 'allow unlocked' ]] && ok || bad "provlock alone after provlock-etcd's unlock: exit $rc"
# Every record written so far is sound.
run_alone fsck
[[ $rc == 0 && $out == 'fsck: 3 sound records, 0 findings, 0 left as they are' ]] && ok ||
  bad "provlock alone: fsck: exit $rc"
run_alone log
[[ $rc == 0 && $out == *first-provision* && $out == *unlocked* ]] && ok || bad "provlock alone: log: exit $rc"
# A host name: provlock-etcd's, which the lone provlock cannot start (78);
# the provlock with provlock-etcd beside it answers through it.
named=etcd://localhost:${ETCD_ENDPOINTS##*:}/plain
out=$(PROVLOCK_CONFIG=$tmp/provlock.toml PROVLOCK_STORE=$named "$alone" list 2>&1)
rc=$?
[[ $rc == 78 && $out == *provlock-etcd*"cannot be started"* ]] && ok ||
  bad "provlock alone on a host-name store: exit $rc, wanted 78 naming provlock-etcd"
out=$(PROVLOCK_CONFIG=$tmp/provlock.toml PROVLOCK_STORE=$named "$bin" check 00:11:22:33:44:a1 192.0.2.2 2>&1)
rc=$?
[[ $rc == 0 && $out == 'allow same-ip' ]] && ok || bad "provlock on a host-name store: exit $rc"
# No node answers: 75 within the budget, as over gRPC.
etcd_cluster_stop
config "[store]" 'timeout = "1s"' 'retries = 0'
started=$(date +%s%N)
run_alone check 00:11:22:33:44:a1 192.0.2.2
took=$((($(date +%s%N) - started) / 1000000))
[[ $rc == 75 && $out == 'deny store-error'* ]] && ((took < 3000)) && ok ||
  bad "provlock alone, no node up: exit $rc in $took ms, wanted 75 within the 1 s budget"

echo "store_cli_test: $passed passed, $failed failed"
[[ $failed == 0 ]]
