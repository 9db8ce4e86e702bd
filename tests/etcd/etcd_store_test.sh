#!/usr/bin/env bash
# The etcd store against a real 3-node cluster on loopback (cluster.bash):
# check's decision loop under a compare that keeps failing, create_all in
# batches, scan paging at one revision, and update_text's compare-and-swap
# under three processes at once, on each transport. Each step is a mode
# of the driver.
# usage: etcd_store_test.sh DRIVER   (DRIVER: the etcd_store_test binary)
set -uo pipefail
driver=${1:?usage: etcd_store_test.sh DRIVER}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/etcd/cluster.bash
source "$here/cluster.bash"

work=$(mktemp -d "${TMPDIR:-/tmp}/provlock-etcd-store.XXXXXX")
etcd_on_exit() { rm -rf "$work"; }

passed=0 failed=0
# step NAME COMMAND...: runs one step, counts it.
step() {
  local name=$1 started=$SECONDS
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $name ($((SECONDS - started)) s)"
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
  fi
}

etcd_cluster_start || { echo "FAILED: no cluster"; exit 1; }
eps=$ETCD_ENDPOINTS

# Three processes, 150 increments each, on one record; each lists the
# endpoints in another order.
concurrent() {
  local orders=("$eps" "${ETCD_ENDPOINT[2]},${ETCD_ENDPOINT[3]},${ETCD_ENDPOINT[1]}"
    "${ETCD_ENDPOINT[3]},${ETCD_ENDPOINT[1]},${ETCD_ENDPOINT[2]}")
  local pids=() i rc=0
  for i in 0 1 2; do
    "$driver" cas "${orders[$i]}" "$cas" "$work/$t" 150 "w$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  "$driver" expect "$eps" "$cas" "$work/$t" 450 || rc=1
  return $rc
}
# Each step once per transport: gRPC (etcd_grpc.hpp) and etcd's JSON
# gateway (etcd_http.hpp), each on prefixes of its own.
for t in grpc http; do
  export ETCD_TRANSPORT=$t
  mkdir -p "$work/$t"
  step "$t: update_each with no answer: the first record waits its budget, the rest are not tried" \
    "$driver" silent "$work/$t"
  step "$t: a compare that keeps failing: deny store-error, 75, after kDecisionTries, nothing written" \
    "$driver" conflict "$eps" "conflict-$t" "$work/$t"
  step "$t: a window deleted between a decision's read and its commit: decided again, deny locked" \
    "$driver" window "$eps" "window-$t" "$work/$t"
  step "$t: a decision stalled past its budget: its write gives up at once, deny store-error, 75" \
    "$driver" budget "$eps" "budget-$t" "$work/$t"
  step "$t: create_all: 300 in batches, again none, half of 300, 300 over the byte limit" \
    "$driver" create "$eps" "create-$t" "$work/$t"
  step "$t: scan: 2500 records in pages at one revision while another connection writes" \
    "$driver" scan "$eps" "scan-$t" "$work/$t" 2500
  cas=cas-$t
  step "$t: update_text: 3 processes x 150 compare-and-swaps, exact count, one journal line each" \
    concurrent
done

echo "$passed passed, $failed failed"
((failed == 0))
