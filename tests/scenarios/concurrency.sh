# Real processes at once on one store: 8 checkers, an unlocker and an expire
# loop. No update may be lost: device counters, address counts and the
# journal must agree exactly with the checks made; each device is
# first-provisioned exactly once; nobody waits past the lock timeout.
source "$PROVLOCK_TESTLIB"
# Every denial counts ("denied"): the address counts below must agree with
# the denied checks, which here are locked ones (no scans).
config '[ban]' 'max_attempts = 1000' 'count = "denied"'
at 2026-11-26T12:00:00Z
devices=16 workers=8 per_worker=150
for i in $(seq 1 $devices); do printf '805ec000%04x\n' "$i"; done >"$tmp/macs"
"$bin" add - <"$tmp/macs" >/dev/null

worker() { # worker N: checks devices round-robin from its own address
  local n=$1 i mac
  for i in $(seq 1 $per_worker); do
    mac=$(sed -n "$(((i + n) % devices + 1))p" "$tmp/macs")
    "$bin" check "$mac" "192.0.2.$n"
    echo "rc=$? $mac"
  done >"$tmp/worker.$n" 2>"$tmp/worker.$n.err"
}
for n in $(seq 1 $workers); do worker "$n" & done
unlocker() { # unlocks devices once they have been provisioned
  local i mac
  for i in $(seq 1 40); do
    mac=$(sed -n "$((i % devices + 1))p" "$tmp/macs")
    until "$bin" show "$mac" --json | grep -q '"first_provisioned":"'; do sleep 0.05; done
    "$bin" unlock "$mac" --for 1h --force >/dev/null || echo "unlock rc=$?"
  done
}
unlocker >"$tmp/unlocker" 2>&1 &
( for i in $(seq 1 20); do "$bin" expire >/dev/null || echo "expire rc=$?"; done ) >"$tmp/expirer" 2>&1 &
wait

total=$((workers * per_worker))
assert '[[ $(cat "$tmp"/worker.? | grep -c "^rc=[01] ") == $total ]]' "every check answered allow or deny (no exit 75 or 74)"
assert '[[ ! -s "$tmp/unlocker" && ! -s "$tmp/expirer" ]]' "unlocks and expires all succeeded"
assert '[[ -z $(cat "$tmp"/worker.?.err) ]]' "no errors on stderr"
run list --json
assert 'printf "%s\n" "$out" | python3 -c "
import json,sys
rows=[json.loads(l) for l in sys.stdin]
assert len(rows)==$devices, len(rows)
assert sum(r[\"allowed\"]+r[\"denied\"] for r in rows)==$total, sum(r[\"allowed\"]+r[\"denied\"] for r in rows)
"' "device counters add up to exactly $total checks"
run log --json
assert 'printf "%s\n" "$out" | python3 -c "
import json,sys,collections
entries=[json.loads(l) for l in sys.stdin]
checks=[e for e in entries if e[\"command\"]==\"check\"]
assert len(checks)==$total, len(checks)
first=collections.Counter(e[\"mac\"] for e in checks if e[\"reason\"]==\"first-provision\")
assert len(first)==$devices and set(first.values())=={1}, first
unlocks=[e for e in entries if e[\"command\"]==\"unlock\"]
assert len(unlocks)==40, len(unlocks)
"' "journal: $total checks, one first-provision per device, 40 unlocks"
# Each address's count equals its denied checks.
for n in $(seq 1 $workers); do
  denied=$(grep -c "^rc=1 " "$tmp/worker.$n")
  # The record in force (on a directory store the file or its recent
  # version, bookkeeping).
  counted=$(record "bans/*/192.0.2.$n-32.json" |
    python3 -c "import json, sys; print(len(json.load(sys.stdin)['attempts']))" || echo 0)
  assert '[[ $counted == "$denied" ]]' "192.0.2.$n: $denied denied checks counted ($counted)"
done
expect 0 '*' fsck
finish
