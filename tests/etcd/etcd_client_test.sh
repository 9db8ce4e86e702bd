#!/usr/bin/env bash
# The etcd client against a real 3-node cluster on loopback (cluster.bash):
# round trips, compare-and-set, three processes counting on one key, paging
# at a fixed revision while another process writes, failover when a node is
# killed, every node down (on each transport: gRPC and the JSON gateway),
# and TLS with client certificates (gRPC).
# usage: etcd_client_test.sh DRIVER   (DRIVER: the etcd_client_test binary)
set -uo pipefail
driver=${1:?usage: etcd_client_test.sh DRIVER}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/etcd/cluster.bash
source "$here/cluster.bash"

passed=0 failed=0
declare -a background=()
etcd_on_exit() {
  local pid
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
}

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

step "URL parsing" "$driver" url

# Three processes, 200 increments each, on one key; each lists the
# endpoints in another order.
concurrent() {
  local orders=("$eps" "${ETCD_ENDPOINT[2]},${ETCD_ENDPOINT[3]},${ETCD_ENDPOINT[1]}"
    "${ETCD_ENDPOINT[3]},${ETCD_ENDPOINT[1]},${ETCD_ENDPOINT[2]}")
  local pids=() i rc=0
  for i in 0 1 2; do
    "$driver" counter "${orders[$i]}" counter/shared 200 "w$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  "$driver" expect "$eps" counter/shared 600 || rc=1
  return $rc
}

paging() {
  "$driver" fill "$eps" page 1000 || return 1
  "$driver" writer "$eps" page 2000 &
  local writer=$!
  background+=("$writer")
  "$driver" page "$eps" page 1000 100
  local rc=$?
  wait "$writer" || rc=1
  return $rc
}

# kill -9 the first node a counting process uses, mid-run; it must go on
# without one failed operation, and count exactly.
failover() {
  local ready=$etcd_dir/ready rc=0
  "$driver" counter "$eps" counter/failover 1500 solo 300 "$ready" &
  local counter=$!
  background+=("$counter")
  local deadline=$((SECONDS + 30))
  while [[ ! -e $ready ]] && ((SECONDS < deadline)) && kill -0 "$counter" 2>/dev/null; do sleep 0.02; done
  [[ -e $ready ]] || { echo "the counter never reached 300" >&2; rc=1; }
  etcd_kill 1
  echo "killed n1 (${ETCD_ENDPOINT[1]})"
  wait "$counter" || rc=1
  # The two nodes left see the exact count; then n1 comes back and agrees.
  "$driver" expect "${ETCD_ENDPOINT[2]},${ETCD_ENDPOINT[3]}" counter/failover 1500 || rc=1
  etcd_restart 1 || rc=1
  # Linearizable reads on n1 alone: it has caught up.
  "$driver" expect "${ETCD_ENDPOINT[1]}" counter/failover 1500 || rc=1
  return $rc
}

all_down() {
  etcd_kill 1
  etcd_kill 2
  etcd_kill 3
  # Budget: 500 ms x (2 + 1) rounds; asserted under 3x that.
  "$driver" down "$eps" 500 2
}

# Every step on a plain-text cluster, once per transport: gRPC
# (etcd_grpc.hpp) and etcd's JSON gateway (etcd_http.hpp).
plain_steps() {
  local t=$1
  export ETCD_TRANSPORT=$t
  etcd_cluster_start || { failed=$((failed + 1)); echo "FAILED: no cluster ($t)"; return; }
  eps=$ETCD_ENDPOINTS
  step "$t: round trips, get_many, compare-and-set, limits" "$driver" basic "$eps" basic
  step "$t: 3 processes x 200 CAS increments, no update lost" concurrent
  step "$t: 1000 keys paged by 100 at one revision while another process writes" paging
  step "$t: kill -9 of the first endpoint during 1500 CAS increments" failover
  step "$t: every node down: Error 75 within the budget" all_down
  etcd_cluster_stop
  unset ETCD_TRANSPORT
}

plain_steps grpc
plain_steps http

tls() {
  etcd_cluster_start tls || return 1
  local rc=0
  "$driver" tls "$ETCD_ENDPOINTS" "$ETCD_CA" "$ETCD_CERT" "$ETCD_KEY" || rc=1
  echo "without a client certificate:"
  "$driver" tls-refused "$ETCD_ENDPOINTS" "$ETCD_CA" "" "" || rc=1
  echo "with a certificate of another CA:"
  "$driver" tls-refused "$ETCD_ENDPOINTS" "$ETCD_CA" "$ETCD_STRANGER_CERT" "$ETCD_STRANGER_KEY" || rc=1
  echo "in plain text:"
  "$driver" tls-refused "$ETCD_ENDPOINTS" "" "" "" || rc=1
  etcd_cluster_stop
  return $rc
}
step "TLS: the right client certificate works; none, a stranger's or plain text are refused" tls

echo "$passed passed, $failed failed"
((failed == 0))
