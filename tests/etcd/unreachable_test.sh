#!/usr/bin/env bash
# etcd unreachable (issue 19): with every node of a real 3-node cluster
# (cluster.bash) down, `check` fails closed, within the configured budget
# ([store] timeout = "1s", retries = 1: 1 s x (1 + 1) rounds per request).
#
#   - every node stopped (SIGSTOP: connections are accepted, nothing
#     answers, so only the deadlines end the wait): a one-shot check prints
#     "deny store-error" and exits 74 or 75 within the budget plus a margin;
#     a --batch process answers each line "deny store-error" at the same
#     pace and exits 74 or 75;
#   - two nodes stopped (the third alive, without a quorum): 75 every time,
#     within the budget (etcd's side of a deadline is no refusal);
#   - every node killed (kill -9: connections refused): the same, at once;
#   - the nodes started again on their data: the phone is allowed from its
#     own address again, denied elsewhere (nothing was lost or changed), and
#     its counters count only the answers given before the outage.
#
# usage: unreachable_test.sh PROVLOCK
set -uo pipefail
provlock=${1:?usage: unreachable_test.sh PROVLOCK}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/etcd/cluster.bash
source "$here/cluster.bash"

work=$(mktemp -d "${TMPDIR:-/tmp}/provlock-unreachable.XXXXXX")
etcd_on_exit() {
  local i
  # Stopped nodes must be able to die.
  for i in 1 2 3; do [[ -n ${etcd_pids[$i]:-} ]] && kill -CONT "${etcd_pids[$i]}" 2>/dev/null; done
  rm -rf "$work"
}

failures=0
fail() {
  echo "FAILED: $*"
  failures=$((failures + 1))
}
started=$SECONDS

etcd_cluster_start || { echo "FAILED: no cluster"; exit 1; }
cat >"$work/provlock.toml" <<EOF
[store]
path = "etcd://$ETCD_ENDPOINTS/unreachable"
timeout = "1s"
retries = 1
[journal]
dir = "$work/journal"
EOF
# The budget of one request: timeout x (retries + 1). One check makes its
# first request to the store and fails there; the margin covers the
# process's start, the pause between rounds and a loaded machine.
budget_ms=2000 margin_ms=2000

pl() { timeout -k 5 30 "$provlock" --config "$work/provlock.toml" "$@"; }

mac=02:00:00:00:02:01 ip=10.3.0.1
pl add "$mac" >/dev/null || fail "add"
[[ $(pl check "$mac" "$ip") == "allow first-provision" ]] || fail "first check"
[[ $(pl check "$mac" 10.3.0.2) == "deny locked" ]] || fail "check from elsewhere"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# one_check WHAT LIMIT_MS: a check while the cluster is WHAT: deny
# store-error, 74/75, an error message, within LIMIT_MS.
one_check() {
  local what=$1 limit=$2 t0 ms rc=0 out
  t0=$(now_ms)
  out=$(pl check "$mac" "$ip" 2>"$work/err") || rc=$?
  ms=$(($(now_ms) - t0))
  echo "$what: '$out', exit $rc, $ms ms; $(head -1 "$work/err")"
  [[ $out == "deny store-error" ]] || fail "$what: printed '$out'"
  [[ $rc == 74 || $rc == 75 ]] || fail "$what: exit $rc"
  grep -q '^provlock: ' "$work/err" || fail "$what: no error message"
  ((ms <= limit)) || fail "$what: $ms ms, over $limit ms"
}

# batch_check WHAT LIMIT_MS: two requests to one --batch process; each
# answered "deny store-error", exit 74/75, both within LIMIT_MS.
batch_check() {
  local what=$1 limit=$2 t0 ms rc=0 out
  t0=$(now_ms)
  out=$(printf '%s %s\n%s %s\n' "$mac" "$ip" "$mac" 10.3.0.2 | pl check --batch 2>"$work/err") ||
    rc=$?
  ms=$(($(now_ms) - t0))
  echo "$what, --batch: $(tr '\n' ';' <<<"$out") exit $rc, $ms ms"
  [[ $out == $'deny store-error\ndeny store-error' ]] || fail "$what, --batch: answered '$out'"
  [[ $rc == 74 || $rc == 75 ]] || fail "$what, --batch: exit $rc"
  [[ $(grep -c '^provlock: ' "$work/err") == 2 ]] || fail "$what, --batch: not one message per error"
  ((ms <= limit)) || fail "$what, --batch: $ms ms, over $limit ms"
}

# Every node stopped: the deadlines end each try.
for i in 1 2 3; do kill -STOP "${etcd_pids[$i]}"; done
one_check "all nodes stopped" $((budget_ms + margin_ms))
batch_check "all nodes stopped" $((2 * budget_ms + margin_ms))
# unlock - of five phones: 75 within about one budget, not one per phone
# (etcd_store_test's "silent" step has update_each itself).
t0=$(now_ms)
rc=0
printf '02:00:00:00:02:%02x\n' 1 2 3 4 5 | pl unlock - >"$work/out" 2>"$work/err" || rc=$?
ms=$(($(now_ms) - t0))
echo "all nodes stopped, unlock - of 5: exit $rc, $ms ms; $(head -1 "$work/err")"
[[ $rc == 75 ]] || fail "unlock - with no node answering: exit $rc"
((ms <= budget_ms + margin_ms)) || fail "unlock - with no node answering: $ms ms, over $((budget_ms + margin_ms)) ms"
for i in 1 2 3; do kill -CONT "${etcd_pids[$i]}"; done

# Two nodes stopped: the one left is alive but without a quorum, and waits
# for one until the deadline. That is a timeout, not a refusal: 75, after the
# whole budget (the other endpoints tried too), never 74 "refused" at the
# first deadline. Several times: etcd's side of the deadline and the
# client's race.
kill -STOP "${etcd_pids[2]}" "${etcd_pids[3]}"
for try in 1 2 3 4 5 6; do
  t0=$(now_ms)
  rc=0
  out=$(pl check "$mac" "$ip" 2>"$work/err") || rc=$?
  ms=$(($(now_ms) - t0))
  echo "no quorum ($try): '$out', exit $rc, $ms ms; $(head -1 "$work/err")"
  [[ $out == "deny store-error" && $rc == 75 ]] || fail "no quorum ($try): '$out', exit $rc"
  ((ms <= budget_ms + margin_ms)) || fail "no quorum ($try): $ms ms, over $((budget_ms + margin_ms)) ms"
done
kill -CONT "${etcd_pids[2]}" "${etcd_pids[3]}"
etcd_wait_healthy 30 || fail "the cluster did not recover from the stops"

# Every node killed: refused at once.
for i in 1 2 3; do etcd_kill "$i"; done
one_check "all nodes killed" $((budget_ms + margin_ms))
batch_check "all nodes killed" $((2 * budget_ms + margin_ms))

# Started again on their data: nothing was lost, nothing counted.
for i in 1 2 3; do etcd_node_start "$i" existing; done
etcd_wait_healthy 30 || fail "the cluster did not come back"
[[ $(pl check "$mac" "$ip") == "allow same-ip" ]] || fail "after the outage, from its own address"
[[ $(pl check "$mac" 10.3.0.3) == "deny locked" ]] || fail "after the outage, from elsewhere"
shown=$(pl show "$mac" --json)
[[ $shown == *'"allowed":2,'* && $shown == *'"denied":2'[,\}]* ]] ||
  fail "counters after the outage (2 allowed, 2 denied expected): $shown"
lines=$(cat "$work"/journal/*.jsonl | grep -c '"command":"check"')
[[ $lines == 4 ]] || fail "$lines check lines in the journal, 4 expected"

echo "$((SECONDS - started)) s; $failures failures"
((failures == 0))
