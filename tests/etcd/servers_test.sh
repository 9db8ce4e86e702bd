#!/usr/bin/env bash
# Several web servers on one etcd store (issue 19, SPEC §8), against a real
# 3-node cluster on loopback (cluster.bash). Three "servers", each its own
# config (the endpoints in another order) and its own journal.dir, check the
# same 20 phones at once, each phone from its own address (and, once it was
# allowed there, now and then from a foreign one: deny locked): per server
# two long-running `check --batch` processes and a loop of one-shot
# `check`s. The etcd leader is killed with kill -9 mid-run, phones 11-20 are
# first fetched only after that, and the node is started again.
#
# Asserted: every answer is an allow, a deny, or a clean store error
# (one-shot: "deny store-error" and 74/75; batch: "deny store-error", and
# the process's exit status then 74/75, else 0); each server's journal holds
# exactly the decisions it answered (server, MAC, IP, decision, reason: a
# store error is "not applied", no line), each line naming its host; exactly
# one first-provision per phone in the three journals together; each phone's
# counters (list --json: allowed, denied) equal the allow and deny answers
# it got; every process ends within its bound; and at the end every phone is
# allowed from its own address by every server, promptly.
#
# Two of the servers run provlock (etcd's JSON gateway), the third
# provlock-etcd (gRPC).
#
# usage: servers_test.sh PROVLOCK   (provlock-etcd beside it)
set -uo pipefail
provlock=${1:?usage: servers_test.sh PROVLOCK}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/etcd/cluster.bash
source "$here/cluster.bash"

work=$(mktemp -d "${TMPDIR:-/tmp}/provlock-servers.XXXXXX")
declare -a background=()
etcd_on_exit() {
  local pid
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$work"
}

failures=0
fail() {
  echo "FAILED: $*"
  failures=$((failures + 1))
}

started=$SECONDS
etcd_cluster_start || { echo "FAILED: no cluster"; exit 1; }

# The phones: MAC 02:00:00:00:01:NN, own address 10.1.0.N.
phones=20
mac_of() { printf '02:00:00:00:01:%02x' "$1"; }
mac_key() { printf '0200000001%02x' "$1"; }
ip_of() { echo "10.1.0.$1"; }

servers=(a b c)
orders=("${ETCD_ENDPOINT[1]},${ETCD_ENDPOINT[2]},${ETCD_ENDPOINT[3]}"
  "${ETCD_ENDPOINT[2]},${ETCD_ENDPOINT[3]},${ETCD_ENDPOINT[1]}"
  "${ETCD_ENDPOINT[3]},${ETCD_ENDPOINT[1]},${ETCD_ENDPOINT[2]}")
# timeout x (retries + 1) = 6 s per request, the default: longer than a
# leader election, so that a commit whose answer the killed leader took is
# resolved by a later try (the commit marker) before an answer is given.
# With a budget shorter than the failover (SERVERS_TIMEOUT=1s
# SERVERS_RETRIES=0) a store-error answer was once seen to have been
# applied after all (counters one above the answers, no journal line); a
# commit that gets no answer now reads its marker back once the cluster
# answers again, and two such runs came out exact with 5 store errors each.
for i in 0 1 2; do
  s=${servers[$i]}
  cat >"$work/$s.toml" <<EOF
[store]
path = "etcd://${orders[$i]}/servers"
timeout = "${SERVERS_TIMEOUT:-2s}"
retries = ${SERVERS_RETRIES:-2}
lock_timeout = "10s"
[journal]
dir = "$work/journal-$s"
EOF
done

# pl SERVER ARGS...: provlock as that server, killed after 40 s (a hung
# process is a failure: its answer is missing). PL_LIMIT changes the bound.
# Servers a and b run provlock, which opens this plain-text store itself
# over etcd's JSON gateway; server c runs provlock-etcd, over gRPC: the two
# transports share the records.
pl() {
  local server=$1 program=$provlock
  shift
  [[ $server == c ]] && program=$(dirname "$provlock")/provlock-etcd
  timeout -k 5 "${PL_LIMIT:-40}" "$program" --config "$work/$server.toml" "$@"
}

for n in $(seq 1 $phones); do mac_of "$n"; echo; done | pl a add - >"$work/add.out" 2>&1 ||
  { cat "$work/add.out"; fail "add -"; }
# The add lines are in a's journal: only check lines are counted below.

stop_file=$work/stop
killed_file=$work/killed

# The phone a worker asks about next: phones 1-10 from the start, 11-20 only
# once the leader was killed (their first provisioning happens during the
# failover). Every worker begins with phone 1, so that the first fetches race.
# Sets $mac and $ip. Args: worker index, request number.
next_request() {
  local w=$1 r=$2 count=10 n
  [[ -e $killed_file ]] && count=$phones
  n=$((r % count + 1))
  mac=$(mac_of "$n")
  ip=$(ip_of "$n")
  # Once this worker saw the phone allowed from its own address (it is bound
  # there), every 5th request is from a foreign address: deny locked.
  if [[ -n ${seen_allow[$n]:-} ]] && ((r % 5 == 4)); then ip="10.2.$n.$w"; fi
  phone=$n
}

# batch_worker SERVER W: one `check --batch` process fed one line at a time,
# each answer read before the next line (a timeout is a failure); logs
# "SERVER batch MAC IP ANSWER" lines, then "exit STATUS".
batch_worker() {
  local server=$1 w=$2 dir=$work/w$2 r=0 answer pid
  local -a seen_allow=()
  mkdir -p "$dir"
  mkfifo "$dir/in" "$dir/out"
  PL_LIMIT=120 pl "$server" check --batch <"$dir/in" >"$dir/out" 2>"$dir/err" &
  pid=$!
  exec {to}>"$dir/in" {from}<"$dir/out"
  while [[ ! -e $stop_file ]]; do
    next_request "$w" "$r"
    printf '%s %s\n' "$mac" "$ip" >&"$to"
    if ! IFS= read -r -t 30 -u "$from" answer; then
      echo "$server batch $mac $ip NO-ANSWER" >>"$dir/log"
      break
    fi
    echo "$server batch $mac $ip $answer" >>"$dir/log"
    [[ $answer == allow* && $ip == "$(ip_of "$phone")" ]] && seen_allow[phone]=1
    r=$((r + 1))
  done
  exec {to}>&-
  local status=0
  wait "$pid" || status=$?
  exec {from}<&-
  echo "exit $status" >>"$dir/log"
}

# oneshot_worker SERVER W: one-shot `check`s in a loop; logs
# "SERVER oneshot MAC IP ANSWER|rc=N".
oneshot_worker() {
  local server=$1 w=$2 dir=$work/w$2 r=0 out rc
  local -a seen_allow=()
  mkdir -p "$dir"
  while [[ ! -e $stop_file ]]; do
    next_request "$w" "$r"
    rc=0
    out=$(pl "$server" check "$mac" "$ip" 2>>"$dir/err") || rc=$?
    echo "$server oneshot $mac $ip $out|rc=$rc" >>"$dir/log"
    [[ $rc == 0 && $ip == "$(ip_of "$phone")" ]] && seen_allow[phone]=1
    r=$((r + 1))
  done
  echo "exit 0" >>"$dir/log"
}

# The leader's node number (1-3), from etcdctl.
leader_node() {
  local line i
  # "URL, ID, VERSION, DB SIZE, IS LEADER, ..."
  line=$(etcdctl_all endpoint status 2>/dev/null | awk -F', ' '$5 == "true"' | head -1)
  for i in 1 2 3; do
    [[ $line == *":${etcd_client_ports[$i]},"* ]] && { echo "$i"; return; }
  done
  echo 1
}

workers=()
w=0
for s in "${servers[@]}"; do
  w=$((w + 1)); batch_worker "$s" "$w" & workers+=($!)
  w=$((w + 1)); batch_worker "$s" "$w" & workers+=($!)
  w=$((w + 1)); oneshot_worker "$s" "$w" & workers+=($!)
done
background+=("${workers[@]}")
nworkers=$w

answers() { cat "$work"/w*/log 2>/dev/null | grep -vc '^exit '; }

elapsed() { echo "$((SECONDS - started)) s"; }
# wait_answers N SECONDS: until N more answers are in, or SECONDS passed (a
# loaded machine answers slowly; the assertions hold either way).
wait_answers() {
  local goal=$(($(answers) + $1)) deadline=$((SECONDS + $2))
  while (($(answers) < goal && SECONDS < deadline)); do sleep 0.2; done
}

# Let them run until 150 answers are in (or 8 s), then kill -9 the leader.
wait_answers 150 8
victim=$(leader_node)
before=$(answers)
etcd_kill "$victim"
touch "$killed_file"
echo "$(elapsed): kill -9 of node n$victim (the leader) after $before answers"
wait_answers 200 8
during=$(($(answers) - before))
echo "$(elapsed): $during answers since the kill"
((during > 0)) || fail "no answer at all within 8 s of the kill"
etcd_restart "$victim" || fail "node n$victim did not come back"
echo "$(elapsed): n$victim restarted"
wait_answers 100 4
touch "$stop_file"

# Every worker stops within its bound (one request: 40 s at most).
stop_deadline=$((SECONDS + 45))
for pid in "${workers[@]}"; do
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < stop_deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "worker $pid still running 45 s after the stop"
    kill "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
done

# No provlock process of this test is left (each names its config in $work).
if left=$(pgrep -af -- "--config $work/"); then
  fail "provlock processes left running: $left"
fi

# Every answer is an allow, a deny, or a clean store error.
for ((w = 1; w <= nworkers; w++)); do
  log=$work/w$w/log
  [[ -s $log ]] || { fail "worker $w logged nothing"; continue; }
  tail -1 "$log" | grep -q '^exit ' || fail "worker $w did not finish: $(tail -1 "$log")"
  errors=0
  while read -r server kind mac ip answer; do
    [[ $server == exit ]] && continue
    case $kind in
      batch)
        case $answer in
          "allow "* | "deny "*) ;;
          *) fail "worker $w: $mac from $ip: answer '$answer'" ;;
        esac
        [[ $answer == "deny store-error" ]] && errors=$((errors + 1))
        ;;
      oneshot)
        case $answer in
          "allow "*"|rc=0") ;;
          "deny store-error|rc=74" | "deny store-error|rc=75") errors=$((errors + 1)) ;;
          "deny store-error|"*) fail "worker $w: $mac from $ip: '$answer'" ;;
          "deny "*"|rc=1") ;;
          *) fail "worker $w: $mac from $ip: answer '$answer'" ;;
        esac
        ;;
    esac
  done <"$log"
  status=$(tail -1 "$log" | sed -n 's/^exit //p')
  if grep -q ' batch ' "$log"; then
    # A batch process exits 0, or with its (last) store failure's code.
    if ((errors > 0)); then
      [[ $status == 74 || $status == 75 ]] || fail "worker $w: $errors store errors but exit $status"
    else
      [[ $status == 0 ]] || fail "worker $w: no store error but exit $status"
    fi
  fi
  echo "worker $w: $(grep -vc '^exit ' "$log") answers, $errors store errors, exit ${status:-?}"
  [[ -s $work/w$w/err ]] && sed "s/^/  worker $w stderr: /" "$work/w$w/err" | sort | uniq -c | head -5
done

total=$(answers)
store_errors=$(cat "$work"/w*/log | grep -c 'deny store-error')
echo "$total answers, $store_errors store errors, during the run"
((total >= 100)) || fail "only $total answers"

# The final round: every phone from its own address, by every server,
# allowed promptly: a batch of the 20 by each server within 10 s, and a
# one-shot check of phone 1 by each within 5 s.
echo "$(elapsed): the final round"
for s in "${servers[@]}"; do
  t0=$SECONDS
  for n in $(seq 1 $phones); do echo "$(mac_of "$n") $(ip_of "$n")"; done >"$work/final-$s.in"
  rc=0
  PL_LIMIT=10 pl "$s" check --batch <"$work/final-$s.in" >"$work/final-$s.out" 2>"$work/final-$s.err" || rc=$?
  ((rc == 0)) || fail "final batch of server $s: exit $rc: $(head -3 "$work/final-$s.err")"
  n=0
  while IFS= read -r out; do
    n=$((n + 1))
    echo "$s final $(mac_of "$n") $(ip_of "$n") $out" >>"$work/final.log"
    [[ $out == "allow "* ]] || fail "final: server $s, phone $n from its own address: '$out'"
  done <"$work/final-$s.out"
  ((n == phones)) || fail "final batch of server $s: $n answers"
  t1=$(date +%s%N)
  rc=0
  out=$(PL_LIMIT=5 pl "$s" check "$(mac_of 1)" "$(ip_of 1)" 2>&1) || rc=$?
  ms=$((($(date +%s%N) - t1) / 1000000))
  echo "$s final $(mac_of 1) $(ip_of 1) $out|rc=$rc" >>"$work/final.log"
  [[ $rc == 0 && $out == "allow "* ]] || fail "final: server $s, phone 1: '$out' ($rc, $ms ms)"
  echo "server $s: final round in $((SECONDS - t0)) s"
done

# The answers given, as "SERVER MAC IP DECISION REASON" (MAC as its key),
# less the store errors; and the check lines of each server's journal, the
# same way. Each server's journal holds exactly the decisions it answered.
cat "$work"/w*/log "$work/final.log" | grep -v '^exit ' >"$work/all_answers"
awk '{ mac = $3; gsub(":", "", mac); reason = $6; sub(/\|.*/, "", reason)
       if (reason != "store-error") print $1, mac, $4, $5, reason }' \
  "$work/all_answers" | sort >"$work/answered"
for s in "${servers[@]}"; do
  # Every line names its host.
  bad=$(grep -vc '"host":"[^"]' "$work"/journal-"$s"/*.jsonl)
  ((bad == 0)) || fail "$bad lines of $s's journal name no host"
  grep -h '"command":"check"' "$work"/journal-"$s"/*.jsonl |
    sed -E 's/.*"decision":"([a-z]+)".*"ip":"([^"]*)".*"mac":"([^"]*)".*"reason":"([^"]*)".*/'"$s"' \3 \2 \1 \4/'
done | sort >"$work/journalled"
if ! diff "$work/answered" "$work/journalled" >"$work/diff"; then
  fail "the journals' check lines differ from the answers (< answered, > journalled):"
  head -20 "$work/diff"
fi
echo "$(wc -l <"$work/answered") decisions answered, $(wc -l <"$work/journalled") journalled"

# Per phone: exactly one first-provision in the three journals together;
# its counters (list --json) equal the allow and deny answers it got.
pl b list --json >"$work/list.json" || fail "list --json"
{
  awk '{ print "answer", $2, $4 }' "$work/answered"
  sed -E 's/.*"mac":"([^"]*)".*"allowed":([0-9]+),"denied":([0-9]+).*/counters \1 \2 \3/' \
    "$work/list.json"
} | awk '$1 == "answer" { if ($3 == "allow") a[$2]++; else d[$2]++ }
         $1 == "counters" { ca[$2] = $3; cd[$2] = $4 }
         END { for (k in ca) print k, a[k] + 0, d[k] + 0, ca[k], cd[k] }' >"$work/per_phone"
for n in $(seq 1 $phones); do
  key=$(mac_key "$n")
  read -r _ allows denies allowed denied < <(grep "^$key " "$work/per_phone") ||
    { fail "phone $n: not listed"; continue; }
  firsts=$(grep -c " $key [^ ]* allow first-provision\$" "$work/journalled")
  [[ $firsts == 1 ]] || fail "phone $n: $firsts first-provisions in the journals"
  errs=$(grep -c "$(mac_of "$n") [^ ]* deny store-error" "$work/all_answers")
  [[ $allowed == "$allows" && $denied == "$denies" ]] ||
    fail "phone $n: counters allowed=$allowed denied=$denied; answers $allows allow, $denies deny ($errs store errors)"
done

echo "$((SECONDS - started)) s; $failures failures"
((failures == 0))
