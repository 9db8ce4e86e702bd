#!/usr/bin/env bash
# The scenario tests (tests/scenarios/*.sh) against an etcd store: one real
# 3-node cluster on loopback (cluster.bash), every scenario that is not
# about the directory store's files run on it under a prefix of its own
# (lib.bash, PROVLOCK_TEST_ETCD), two at a time. A scenario that is only
# about files says so in a line "# backends: directory".
# usage: scenarios_test.sh PROVLOCK_BIN [SCENARIO...]
#   (provlock-etcd must sit beside PROVLOCK_BIN; default: every scenario)
set -uo pipefail
bin=${1:?usage: scenarios_test.sh PROVLOCK_BIN [SCENARIO...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
scenarios=$here/../scenarios
# shellcheck source=tests/etcd/cluster.bash
source "$here/cluster.bash"
logs=$(mktemp -d "${TMPDIR:-/tmp}/provlock-etcd-scenarios.XXXXXX")
declare -A pid_of=()
etcd_on_exit() {
  local p
  for p in "${pid_of[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$logs"
}

if [[ ! -x $(dirname "$bin")/provlock-etcd ]]; then
  echo "FAILED: no provlock-etcd beside $bin"
  exit 1
fi
if (($#)); then
  names=("$@")
else
  names=()
  for f in "$scenarios"/*.sh; do
    n=$(basename "$f" .sh)
    if grep -q '^# backends: directory' "$f"; then
      echo "directory only: $n"
    else
      names+=("$n")
    fi
  done
fi

started=$SECONDS
etcd_cluster_start || { echo "FAILED: no cluster"; exit 1; }

failed=() passed=0
# reap: waits for one running scenario and reports it.
reap() {
  local done_pid n rc
  wait -n -p done_pid "${pid_of[@]}"
  rc=$?
  for n in "${!pid_of[@]}"; do [[ ${pid_of[$n]} == "$done_pid" ]] && break; done
  unset "pid_of[$n]"
  echo "$n: $(tail -1 "$logs/$n.log") (exit $rc, $(($(date +%s) - $(cat "$logs/$n.start"))) s)"
  if [[ $rc == 0 ]]; then
    passed=$((passed + 1))
  else
    failed+=("$n")
    grep -v '^[0-9]* passed, [0-9]* failed$' "$logs/$n.log" | sed "s/^/  $n| /" | head -60
  fi
}
for n in "${names[@]}"; do
  ((${#pid_of[@]} >= ${SCENARIO_JOBS:-2})) && reap
  date +%s >"$logs/$n.start"
  PROVLOCK_BIN=$bin PROVLOCK_TESTLIB=$scenarios/lib.bash PROVLOCK_TEST_ETCD=$ETCD_ENDPOINTS \
    bash "$scenarios/$n.sh" >"$logs/$n.log" 2>&1 &
  pid_of[$n]=$!
done
while ((${#pid_of[@]})); do reap; done

echo "etcd scenarios: $passed passed, ${#failed[@]} failed${failed:+ (${failed[*]})}, $((SECONDS - started)) s"
((${#failed[@]} == 0))
