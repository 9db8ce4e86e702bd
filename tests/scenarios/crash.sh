# Crashes (SPEC §8: "a process killed at any instant leaves every record
# either old or new, and no lock outlives its process"). Round after round,
# eight writers of every kind of record run at once on one store, and at
# three random instants every provlock they are running is killed with
# SIGKILL. After each round: every record parses (fsck finds nothing worse
# than debris of unfinished writes), every device whose `add` reported
# "added" is listed, no lock is left held, and `fsck --repair` clears the
# debris. At the end the journal never records a check that the device
# counters lost.
source "$PROVLOCK_TESTLIB"
config '[ban]' 'max_attempts = 1000' '[suspicious]' 'max_foreign = 1000'
rounds=${CRASH_ROUNDS:-32}
base_devices=8
start=1795003200 # 2026-11-18T12:00:00Z; each round is 20 minutes later
at @$start
for i in $(seq 1 $base_devices); do printf '805ec100%04x\n' "$i"; done >"$tmp/base"
mapfile -t base <"$tmp/base"
"$bin" add - --account crash <"$tmp/base" >/dev/null
for i in $(seq 1 $base_devices); do allow first-provision "${base[i - 1]}" "192.0.2.$i"; done
: >"$tmp/added"

# The writers: each runs one provlock after another until $tmp/stop exists.
# An exit code other than the command's normal ones (or 137, the kill
# itself) goes to $tmp/errors with the command's stderr.
try() { # try OKAY ARGS...: runs provlock ARGS, notes an exit code not in OKAY
  local okay=$1 rc
  shift
  "$bin" "$@" 2>>"$tmp/errors"
  rc=$?
  [[ $rc == $okay || $rc == 137 ]] || echo "provlock $* exited $rc" >>"$tmp/errors"
}
checker() { # checks base devices from their own and from foreign addresses
  while [[ ! -e $tmp/stop ]]; do
    try '[01]' check "${base[RANDOM % base_devices]}" "192.0.2.$((RANDOM % base_devices + 1))" >/dev/null
  done
}
unlocker() { # single unlocks (durable) and batch unlocks (relaxed, one sync)
  while [[ ! -e $tmp/stop ]]; do
    if ((RANDOM % 2)); then
      try 0 unlock "${base[RANDOM % base_devices]}" --for 1h --force >/dev/null
    else
      try 0 unlock - --for 30m --force <"$tmp/base" >/dev/null
    fi
  done
}
adder() { # adder W: new devices, one at a time (durable) and ten at a time (relaxed)
  local w=$1 i=0 j
  while [[ ! -e $tmp/stop ]]; do
    i=$((i + 1))
    if ((i % 2)); then
      try 0 add "$(printf '02%02x%02x%06x' "$round" "$w" "$i")" --label "r$round"
    else
      for j in $(seq 1 10); do printf '02%02x%02x%06x\n' "$round" "$w" $((i * 100 + j)); done >"$tmp/batch.$w"
      try 0 add - <"$tmp/batch.$w"
    fi >>"$tmp/added"
  done
}
expirer() {
  while [[ ! -e $tmp/stop ]]; do try 0 expire >/dev/null; done
}
ruler() { # bans, range bans, windows and unlock-alls: the other record kinds
  local n
  while [[ ! -e $tmp/stop ]]; do
    n=$((RANDOM % 20 + 1))
    case $((RANDOM % 7)) in
      0) try 0 ban add "198.51.100.$n" --for 30m ;;
      1) try 0 ban remove "198.51.100.$n" ;;
      2) try 0 ban add "198.18.$n.0/24" --for 30m ;;
      3) try 0 window open "203.0.113.$n" --hours 1 ;;
      4) try 0 window close "203.0.113.$n" ;;
      5) try 0 window open "192.0.2.$((n % base_devices + 1))" --hours 1 ;;
      6) try 0 unlock-all --hours 1 ;;
    esac >/dev/null
  done
}

kills=0 debris=0 most_records=0
for round in $(seq 1 $rounds); do
  at @$((start + round * 1200))
  rm -f "$tmp/stop"
  : >"$tmp/errors"
  loops=()
  # (The loops' stderr is dropped: it only says which child was killed.)
  for writer in checker checker checker unlocker "adder 1" "adder 2" expirer ruler; do
    $writer 2>/dev/null &
    loops+=($!)
  done
  # Three instants of the round, 10-200 ms apart: kill every provlock the
  # loops are running then. After the first two the loops go on (the
  # survivors meet what the dead left); before the last they are told to
  # stop, so that they reap their dead children and exit, and no killed
  # process lingers as an orphan (whose temporary files fsck would take for
  # a live writer's).
  for instant in 1 2 3; do
    sleep "0.$(printf '%03d' $((RANDOM % 191 + 10)))"
    ((instant == 3)) && : >"$tmp/stop"
    # pkill signals each process as its scan of /proc comes to it: a check
    # now takes a millisecond or two, less than a scan, and a kill sent
    # after a separate look (pgrep, then kill) found each one gone. (On
    # etcd, provlock has exec'd provlock-etcd.)
    parents=$(IFS=,; echo "${loops[*]}")
    killed=$(pkill -KILL -e -x -P "$parents" provlock; pkill -KILL -e -x -P "$parents" provlock-etcd)
    kills=$((kills + $(grep -c ' killed ' <<<"$killed")))
  done
  wait "${loops[@]}"

  # Only the kill may have stopped a writer.
  assert '[[ ! -s "$tmp/errors" ]]' "round $round: no writer failed before the kill: $(sort "$tmp/errors" | uniq -c | head -5)"

  # Every record parses; nothing worse than debris.
  run fsck
  worse=$(grep -v '^debris: ' <<<"$out" | grep -cv '^fsck: ')
  found=$(grep -c '^debris: ' <<<"$out")
  assert '[[ $worse == 0 && ( $rc == 0 || $rc == 74 ) ]]' "round $round: fsck finds only debris (exit $rc)"
  debris=$((debris + found))
  records=$(sed -n 's/^fsck: \([0-9]*\) sound records.*/\1/p' <<<"$out")
  ((records > most_records)) && most_records=$records

  # Every device whose add completed is listed; list reads every record.
  run list
  assert '[[ $rc == 0 && -z $err ]]' "round $round: list exits 0 and names no unreadable record"
  awk 'NR > 1 {print $1}' <<<"$out" | sort >"$tmp/listed"
  sed -n 's/^\([0-9a-f]\{12\}\) added$/\1/p' "$tmp/added" | sort >"$tmp/completed"
  missing=$(comm -23 "$tmp/completed" "$tmp/listed" | wc -l)
  assert '[[ $missing == 0 ]]' "round $round: $missing devices reported added are not listed"
  assert '[[ -z $(comm -23 "$tmp/base" "$tmp/listed") ]]' "round $round: every base device listed"

  # No lock outlived its process: every base device, address, window and
  # the rules can be written at once (a lock left held would exit 75 after
  # the 5 s lock timeout).
  expect 0 '*' unlock - --for 10m --force <"$tmp/base"
  expect 0 '*' expire
  run check "${base[0]}" 192.0.2.9
  assert '[[ $rc == [01] ]]' "round $round: a check after the kill exits 0 or 1 (got $rc)"

  run fsck --repair
  assert '[[ $rc == 0 ]]' "round $round: fsck --repair exits 0"
  run fsck
  assert '[[ $rc == 0 && $out == *" 0 findings"* ]]' "round $round: fsck after repair finds nothing"
done

# The journal and the counters differ by at most one check per killed
# process. On a directory store the journal never misses a counted check:
# each check appends its journal line before it writes its device, so a kill
# in between can only leave the counters behind the journal. On an etcd
# store it is the other way round: a check appends its line once its
# transaction has held (a decision taken again is journalled once), so a
# kill in between can only leave the journal behind the counters
# (provlock(1), JOURNAL).
run --json list
printf '%s\n' "$out" >"$tmp/final-list"
run --json log
printf '%s\n' "$out" >"$tmp/final-log"
assert 'python3 - "$tmp/final-list" "$tmp/final-log" "$kills" "$backend" <<"EOF"
import json, sys, collections
def rows(path): return [json.loads(l) for l in open(path) if l.strip()]
devices = {j["mac"]: j for j in rows(sys.argv[1])}
journal = collections.Counter(j["mac"] for j in rows(sys.argv[2]) if j.get("command") == "check")
kills, backend = int(sys.argv[3]), sys.argv[4]
apart = 0
for mac in set(journal) | set(devices):
    counted = devices[mac]["allowed"] + devices[mac]["denied"] if mac in devices else 0
    if backend == "directory":
        assert counted <= journal[mac], f"{mac}: {counted} counted, only {journal[mac]} journalled"
        apart += journal[mac] - counted
    else:
        assert journal[mac] <= counted, f"{mac}: {journal[mac]} journalled, only {counted} counted"
        apart += counted - journal[mac]
assert apart <= kills, f"counters and journal {apart} apart, more than {kills} kills"
print(f"{sum(journal.values())} checks journalled, counters and journal {apart} apart ({backend})")
EOF' "device counters agree with the journal"

echo "crash: $rounds rounds of 8 writers (3 checkers, unlocks, adds, expire, bans/windows/unlock-alls)," \
  "$kills provlock processes killed mid-run, $debris debris files left and repaired," \
  "$(wc -l <"$tmp/completed") adds completed and all listed, up to $most_records records checked per fsck"
finish
