# Listing snapshots (store/listing.hpp): `list` reads one devices/<cc>/.list
# per folder and reads afresh only the records whose slot a write has marked
# since. The marks are the contents of the folder's lock file .lock: bytes
# [0,4096) one for each slot, then the 16 hex digits of the nonce that list
# writes whenever it clears them and that the snapshot's header names.
# Whatever happens in between - writes after a snapshot, writers at work
# during a list, lists killed at any instant, snapshots damaged or made for
# another boot, form, folder or device, a lock file removed, cut short,
# grown or holding another nonce, a FIFO as lock file or as snapshot, a user
# who may not write, a lock held too long, an unreadable record - `list`
# prints byte for byte what a list reading every record prints.
#
# The oracle: a copy of the store listed at the same instant, taken while no
# writer runs. It reads every record: its folders are new (a snapshot names
# its folder's inode), and its device folders hold no .list, .lock or
# temporary file. The records are hard links (creating files is slow on some
# machines; list writes no record); the lock files must not be: list writes
# its marks and nonce into .lock, and its locks there would be the store's.
# backends: directory (about the files of a directory store)
source "$PROVLOCK_TESTLIB"
base_config=('[ban]' 'max_attempts = 1000' '[suspicious]' 'max_foreign = 3')
config "${base_config[@]}"
at 2026-11-26T12:00:00Z
devs=$PROVLOCK_STORE/devices
boot=$(cat /proc/sys/kernel/random/boot_id)
started=$SECONDS
part() { echo "list_snapshot: part $1 at $((SECONDS - started)) s"; }

# lists STORE OUT ARGS...: `list ARGS` on STORE; stdout to OUT, stderr to
# OUT.err, exit code to OUT.rc.
lists() {
  local store=$1 o=$2
  shift 2
  PROVLOCK_STORE=$store "$bin" list "$@" >"$o" 2>"$o.err"
  echo $? >"$o.rc"
}

# oracle_copy DEST: the store at DEST, every record read by a list there.
# (Every dot file of a device folder goes: .list, .lock and .tmp.*.)
oracle_copy() {
  cp -al "$PROVLOCK_STORE" "$1"
  find "$1/devices" -mindepth 2 -maxdepth 2 -name '.*' -delete
}

# same WHAT [VARIANT...]: `list --json`, `list` and `list VARIANT` (each a
# string of list arguments; only --json when $json_only is set) on the store
# exit and print exactly as on a fresh copy of it, where each list reads
# every record (the copy's own snapshots are removed before each); the exit
# code is $want_rc (0 unless set), and a list that exits 0 writes nothing to
# stderr. The unfiltered --json listing has one line for every record file.
copies=0
same() {
  local what=$1 copy v want=${want_rc:-0} records variants=(--json "")
  shift
  [[ -n ${json_only:-} ]] && variants=(--json)
  copies=$((copies + 1))
  copy=$tmp/copy.$copies
  oracle_copy "$copy"
  for v in "${variants[@]}" "$@"; do
    # shellcheck disable=SC2086 # each variant is a list of arguments
    lists "$PROVLOCK_STORE" "$tmp/got" $v
    find "$copy/devices" -mindepth 2 -maxdepth 2 -name .list -delete
    # shellcheck disable=SC2086
    lists "$copy" "$tmp/want" $v
    if [[ $(<"$tmp/got.rc") == "$want" && $(<"$tmp/want.rc") == "$want" ]] &&
      cmp -s "$tmp/got" "$tmp/want" && [[ $want != 0 || ! -s $tmp/got.err ]]; then
      ok
    else
      out=$(diff "$tmp/want" "$tmp/got" | head -6) err=$(head -3 "$tmp/got.err")
      bad "$what: 'list $v' exits $(<"$tmp/got.rc") (on a copy $(<"$tmp/want.rc"), wanted $want)" \
        "and prints $(wc -l <"$tmp/got") lines against $(wc -l <"$tmp/want") on a copy"
    fi
    if [[ $v == --json && $want == 0 ]]; then
      records=$(find "$copy/devices" -name '*.json' ! -name '.*' | wc -l)
      assert '[[ $(wc -l <"$tmp/got") == "$records" ]]' \
        "$what: list --json has one line for each of the $records record files"
    fi
  done
  rm -rf "$copy" &
}

# listed MAC KEY: KEY of MAC in `list --json` on the store (JSON text as
# printed), or "absent".
listed() {
  local line
  line=$("$bin" list --json 2>/dev/null | grep -F "{\"mac\":\"$1\",")
  if [[ $line =~ [{,]\"$2\":(\"([^\"\\]|\\.)*\"|[^,}]*) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo absent
  fi
}

# has MAC KEY VALUE: listed MAC KEY is VALUE.
has() {
  local got
  got=$(listed "$1" "$2")
  if [[ $got == "$3" ]]; then ok; else bad "list --json: $1 has $2 $got, wanted $3"; fi
}

cc() { echo "${1: -2}"; }

# snapshots_sound FOLDER...: each FOLDER's .list has the header of this
# boot, form, folder and nonce, counts that match its body, and one row for
# each record file of the folder; its .lock is a regular file of exactly
# 4112 bytes: the 4096 slot bytes, then the nonce of 16 hex digits that the
# header names.
snapshots_sound() {
  python3 - "$boot" "$@" <<'EOF'
import os, re, stat, sys
boot, folders = sys.argv[1], sys.argv[2:]
assert folders, "no folders"
for d in folders:
    data = open(os.path.join(d, ".list"), "rb").read()
    head, _, body = data.partition(b"\n")
    w = head.decode().split(" ")
    st, lk = os.stat(d), os.lstat(os.path.join(d, ".lock"))
    assert stat.S_ISREG(lk.st_mode), (d, ".lock is not a regular file")
    marks = open(os.path.join(d, ".lock"), "rb").read()
    assert len(marks) == 4096 + 16 and re.fullmatch(rb"[0-9a-f]{16}", marks[4096:]), (d, "marks", len(marks), marks[4096:])
    assert len(w) == 9 and w[:2] == ["provlock-list", "1"] and re.fullmatch(r"[0-9A-Za-z.-]+", w[2]), (d, w)
    assert w[3:] == [boot, str(st.st_dev), str(st.st_ino), marks[4096:].decode(),
                     w[7], str(len(body))], (d, w)
    keys = sorted(l.split(b"\t")[0].decode() for l in body.splitlines())
    recs = sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json") and n[0] != ".")
    assert keys == recs and int(w[7]) == len(recs), (d, len(keys), len(recs))
EOF
}

# nonce FOLDER: bytes [4096,4112) of FOLDER's .lock, where the nonce is.
nonce() { tail -c +4097 "$1/.lock" | head -c 16; }

# marked FOLDER...: the MACs (of record files) whose slot is set in the
# marks of FOLDER (the first 4096 bytes of its .lock), and "other SLOT" for
# a set slot no record file has; sorted.
marked() {
  python3 - "$@" <<'EOF'
import os, sys
def slot(key):
    h = 14695981039346656037
    for c in key.encode():
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return (h >> 40) % 4096
out = []
for d in sys.argv[1:]:
    p = os.path.join(d, ".lock")
    if not os.path.isfile(p):
        continue
    marks = open(p, "rb").read()[:4096]  # the slots (the nonce follows)
    keys = [n[:-5] for n in os.listdir(d) if n.endswith(".json") and n[0] != "."]
    slots = {i for i, b in enumerate(marks) if b}
    for k in keys:
        if slot(k) in slots:
            out.append(k)
    out += ["other %d" % s for s in slots - {slot(k) for k in keys}]
print(" ".join(sorted(out)))
EOF
}

# stamp [FOLDER...]: dates the .list of each FOLDER (default: all) back to
# 2001 (no part of a snapshot's identity), so that renewed tells which were
# written since. (Inode numbers cannot tell: list removes the old .list
# before it writes the new one, whose inode may be the same.)
stamp() {
  if (($#)); then touch -d @1000000000 "${@/%//.list}"; else touch -d @1000000000 "$devs"/*/.list; fi
  [[ -e $tmp/stamp ]] || touch -d @1000000001 "$tmp/stamp"
}

# renewed [FOLDER...]: the folders (default: all) whose .list was written
# or removed since stamp, space-separated.
renewed() {
  local f names=()
  (($#)) || set -- "$devs"/*/
  for f in "$@"; do
    f=${f%/}
    [[ -e $f/.list && ! $f/.list -nt $tmp/stamp ]] || names+=("${f##*/}")
  done
  echo "${names[*]}"
}

# relabel FILE LABEL: changes a record's label by hand, not through provlock.
relabel() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["label"] = sys.argv[2]
open(sys.argv[1], "w").write(json.dumps(r, separators=(",", ":")) + "\n")
EOF
}

# quiet_device FOLDER: a device of FOLDER without a recent version (whose
# record file is the record in force).
quiet_device() {
  local f
  for f in "$1"/*.json; do
    f=$(basename "$f" .json)
    [[ -e $1/$f.recent ]] || { echo "$f"; return; }
  done
}

# batch FILE: `check --batch` of the "MAC IP" lines of FILE; each answered
# allow or deny, exit 0.
batch() {
  "$bin" check --batch <"$1" >"$tmp/batch.out" 2>"$tmp/batch.err"
  local rc=$? answered asked
  answered=$(grep -cE '^(allow|deny) ' "$tmp/batch.out")
  asked=$(wc -l <"$1")
  out=$(head -3 "$tmp/batch.out") err=$(head -3 "$tmp/batch.err")
  assert '[[ $rc == 0 && $answered == "$asked" && ! -s $tmp/batch.err ]]' \
    "check --batch of $asked fetches: exit $rc, $answered answered"
}

# all_macs: the MACs listed now.
all_macs() { "$bin" list --json | python3 -c 'import json,sys; [print(json.loads(l)["mac"]) for l in sys.stdin]'; }

part 1
########################################################################
# 1. Basic: 300 devices in every folder; the first list makes a snapshot in
# each folder, the second uses them as they are; both equal the oracle.
for i in $(seq 1 300); do printf '805ec0a%03x%02x\n' "$i" $((i * 97 % 256)); done >"$tmp/c1"
awk 'NR % 3 == 0' "$tmp/c1" | "$bin" add - --account north --label "desk 1" >/dev/null
awk 'NR % 3 == 1' "$tmp/c1" | "$bin" add - --account south >/dev/null
awk 'NR % 3 == 2' "$tmp/c1" | "$bin" add - >/dev/null
# Labels that the row form must escape and bring back.
expect 0 '*' add 805ec0a20001 --account 'a b' --label $'tab\there\nnew\\line'
expect 0 '*' add 805ec0a20002 --label 'Empfang – Büro \ x'
assert '[[ -z $(ls -A "$devs"/*/.list 2>/dev/null) ]]' "no snapshot before the first list"
run list --json
assert '[[ $rc == 0 && -z $err && $(wc -l <<<"$out") == 302 ]]' "first list: 302 devices"
folders=$(find "$devs" -mindepth 1 -maxdepth 1 -type d | wc -l)
assert '[[ $folders == 256 && $(ls "$devs"/*/.list | wc -l) == 256 ]]' \
  "the first list left a .list in each of the $folders folders"
assert 'snapshots_sound "$devs"/*/' "every snapshot names this boot, its folder and its lock file's nonce and holds each record"
assert '[[ -z $(marked "$devs"/*/) ]]' "no slot is marked after a list"
assert '[[ -z $(find "$PROVLOCK_STORE" -name .marks) ]]' "no .marks file: the marks are in .lock"
stamp
run list --json
first=$out
assert '[[ $rc == 0 && -z $(renewed) ]]' "a list with nothing marked keeps every snapshot ($(renewed))"
same "basic" "--json --account north" "--account south" "--json --state new" \
  "--state locked" "--json --account nobody"
assert '[[ -z $(find "$devs" -name .lock -links +1) ]]' "the oracle's copy shares no lock file with the store"
run list --json
assert '[[ $out == "$first" ]]' "list twice without writes: same output"
has 805ec0a20001 label '"tab\there\nnew\\line"'
has 805ec0a20002 label '"Empfang – Büro \\ x"'

part 2
########################################################################
# 2. Changes after a snapshot: each write marks its slot, the next list
# reads that record afresh (and rewrites only that folder's snapshot).
d1=$(sed -n 10p "$tmp/c1") d2=$(sed -n 20p "$tmp/c1") d3=$(sed -n 30p "$tmp/c1")
stamp
allow first-provision "$d1" 192.0.2.10
assert '[[ $(marked "$devs"/*/) == "$d1" ]]' "a check marks exactly its device's slot ($(marked "$devs"/*/))"
has "$d1" allowed 1
has "$d1" state '"locked"'
has "$d1" bound_ip '"192.0.2.10"'
assert '[[ $(renewed) == $(cc "$d1") ]]' \
  "only the folder of the device written gets a new snapshot ($(renewed))"
assert '[[ -z $(marked "$devs"/*/) ]]' "the list cleared the mark"
# Repeat fetches are bookkeeping (a recent version beside the record).
allow same-ip "$d1" 192.0.2.10
has "$d1" allowed 2
allow same-ip "$d1" 192.0.2.10
has "$d1" allowed 3
deny locked "$d1" 198.51.100.1
has "$d1" denied 1
has "$d1" last_ip '"198.51.100.1"'
# Forty devices bound at once, then fetched again and from elsewhere.
sed -n '100,139p' "$tmp/c1" | awk '{print $1, "192.0.2." NR}' >"$tmp/c2.bind"
batch "$tmp/c2.bind"
same "after 40 bindings" "--json --state locked" "--state new" "--json --account north --state locked"
awk 'NR % 2 {print $1, $2} NR % 4 == 0 {print $1, "198.51.100.77"}' "$tmp/c2.bind" >"$tmp/c2.again"
batch "$tmp/c2.again"
same "after repeat and foreign fetches" "--json --state locked"
# An unlock, and a blocked device forced open.
allow first-provision "$d2" 192.0.2.20
allow first-provision "$d3" 192.0.2.30
run list --json
expect 0 '*' unlock "$d2" --for 1h
has "$d2" state '"unlocked"'
for n in 1 2 3 4; do deny locked "$d3" "198.51.100.$n"; done
has "$d3" state '"blocked"'
same "with an unlocked and a blocked device" "--json --state blocked" "--state unlocked"
expect 0 '*' unlock "$d3" --for 1h --force
has "$d3" state '"unlocked"'
allow unlocked "$d3" 203.0.113.3
has "$d3" state '"locked"'
has "$d3" bound_ip '"203.0.113.3"'
# IPv6 addresses, and an IPv4 one written as IPv6, in the rows.
d4=$(sed -n 40p "$tmp/c1") d5=$(sed -n 50p "$tmp/c1")
allow first-provision "$d4" 2001:DB8:0:0:0:0:0:10
allow first-provision "$d5" ::ffff:192.0.2.50
deny locked "$d5" 2001:db8::11
has "$d4" bound_ip '"2001:db8::10"'
has "$d5" last_ip '"2001:db8::11"'
expect 0 '*' unlock-all --account south --hours 1
same "after an unlock-all" "--json --state unlocked" "--state locked"
# Removals and additions.
sed -n '200,219p' "$tmp/c1" >"$tmp/c2.gone"
expect 0 '*' remove - <"$tmp/c2.gone"
has "$(sed -n 200p "$tmp/c1")" mac absent
for i in $(seq 1 20); do printf '805ec0b%03x%02x\n' "$i" $((i * 13 % 256)); done >"$tmp/c2.new"
"$bin" add - --account north --label new <"$tmp/c2.new" >/dev/null
has "$(sed -n 5p "$tmp/c2.new")" label '"new"'
same "after removals and additions" "--json --account north"
# Time passes: the unlock of $d2 runs out; no record changes.
at 2026-11-26T14:00:00Z
has "$d2" state '"locked"'
same "two hours later" "--json --state unlocked" "--state locked"
# expire folds the recent versions of repeat fetches into their records.
recents=$(find "$devs" -name '*.recent' | wc -l)
expect 0 '*' expire
assert '((recents > 0)) && [[ -z $(find "$devs" -name "*.recent") ]]' "expire folded the $recents recent versions"
same "after expire"

part 3
########################################################################
# 3. Real processes at once: four checkers and an unlock/add/remove loop
# write while the foreground lists again and again. Each listing is whole
# (every device that is never removed, no MAC twice, in order); once the
# writers are done, the listing equals the oracle and no update is lost.
at 2026-11-26T15:00:00Z
for i in $(seq 1 1700); do printf '805ec0c%03x%02x\n' "$i" $((i * 59 % 256)); done |
  "$bin" add - --account east >/dev/null
all_macs >"$tmp/c3.base"
mapfile -t base <"$tmp/c3.base"
nbase=${#base[@]}
assert '[[ $nbase == 2002 ]]' "2002 devices before the writers start ($nbase)"
counted() { # the sum of allowed and denied over the base devices
  "$bin" list --json | python3 -c '
import json, sys
base = set(open(sys.argv[1]).read().split())
print(sum(d["allowed"] + d["denied"] for d in map(json.loads, sys.stdin) if d["mac"] in base))' "$tmp/c3.base"
}
counted_before=$(counted)
rm -f "$tmp/stop"
checker() { # checker N: base devices at random, from 198.51.100.N
  while [[ ! -e $tmp/stop ]]; do
    "$bin" check "${base[RANDOM % nbase]}" "198.51.100.$1" >/dev/null 2>>"$tmp/c3.err"
    echo $?
  done >"$tmp/c3.checks.$1"
}
changer() { # unlocks base devices, adds devices and removes them again
  local i=0 mac
  : >"$tmp/c3.extra"
  while [[ ! -e $tmp/stop ]]; do
    i=$((i + 1))
    mac=$(printf '805ec0e%03x%02x' "$i" $((i * 31 % 256)))
    "$bin" unlock "${base[RANDOM % nbase]}" --for 1h --force >/dev/null
    echo "$? unlock"
    echo "$mac" >>"$tmp/c3.extra"
    "$bin" add "$mac" --label extra >/dev/null
    echo "$? add"
    if ((i % 3)); then
      "$bin" remove "$mac" >/dev/null
      echo "$? remove"
    fi
    if ((i % 4 == 0)); then # folds the checkers' recent versions
      "$bin" expire >/dev/null
      echo "$? expire"
    fi
  done >"$tmp/c3.changes" 2>>"$tmp/c3.err"
}
lister() { # lister NAME: lists as the foreground does, in the background
  local j=0
  while [[ ! -e $tmp/stop ]]; do
    j=$((j + 1))
    lists "$PROVLOCK_STORE" "$tmp/c3.list.$1$j" --json
  done
}
: >"$tmp/c3.err"
writers=()
for n in 1 2 3 4; do
  checker "$n" &
  writers+=($!)
done
changer &
writers+=($!)
lister b &
writers+=($!)
# Until the writers and lists have done enough at once: at least 3 s, 100
# checks and 5 lists (a sanitizer build is many times slower), at most 240 s.
(
  start=$SECONDS
  until ((SECONDS - start >= 3 && $(cat "$tmp"/c3.checks.? 2>/dev/null | wc -l) >= 100 &&
    $(ls "$tmp"/c3.list.*.rc 2>/dev/null | wc -l) >= 5)) || ((SECONDS - start >= 240)); do
    sleep 0.2
  done
  : >"$tmp/stop"
) &
timer=$!
k=0
while [[ ! -e $tmp/stop ]]; do
  k=$((k + 1))
  if ((k % 4)); then form=--json; else form=; fi
  # shellcheck disable=SC2086
  lists "$PROVLOCK_STORE" "$tmp/c3.list.$k" $form
done
wait "${writers[@]}" "$timer"
k=$(ls "$tmp"/c3.list.*.rc | wc -l)
checks=$(cat "$tmp"/c3.checks.? | wc -l)
assert '[[ $(cat "$tmp"/c3.checks.? | grep -cv "^[01]$") == 0 ]]' \
  "every check answered allow or deny (no 74, no 75): $(cat "$tmp"/c3.checks.? | sort | uniq -c | tr '\n' ' ')"
assert '[[ $(grep -cv "^0 " "$tmp/c3.changes") == 0 ]]' \
  "every unlock, add, remove and expire exited 0: $(grep -v "^0 " "$tmp/c3.changes" | sort | uniq -c | head -3 | tr '\n' ' ')"
assert '[[ ! -s $tmp/c3.err ]]' "no writer wrote to stderr: $(head -3 "$tmp/c3.err")"
assert '((checks >= 100 && k >= 5))' "the writers and lists ran at once ($checks checks, $k lists)"
assert 'python3 - "$tmp" <<"EOF"
import glob, json, re, sys
tmp = sys.argv[1]
base = open(tmp + "/c3.base").read().split()
extra = set(open(tmp + "/c3.extra").read().split())
for p in glob.glob(tmp + "/c3.list.*.rc"):
    p = p[:-3]
    rc, err = open(p + ".rc").read().strip(), open(p + ".err").read()
    assert rc == "0" and not err, (p, rc, err[:200])
    lines = open(p).read().splitlines()
    if not lines[0].startswith("MAC"):
        macs = [json.loads(l)["mac"] for l in lines]
    else:
        assert lines[0].split()[0] == "MAC", (p, lines[0])
        macs = [l.split()[0] for l in lines[1:] if re.match(r"[0-9a-f]{12}\s", l)]
    assert len(macs) == len(set(macs)), (p, "a MAC listed twice")
    assert macs == sorted(macs), (p, "not in order")
    missing = set(base) - set(macs)
    assert not missing, (p, "missing", sorted(missing)[:5])
    assert set(macs) <= set(base) | extra, (p, "unknown", sorted(set(macs) - set(base) - extra)[:5])
EOF' "each of the $k lists made during the writes (two listers) is whole: every base device once, in order, exit 0"
assert '[[ $(($(counted) - counted_before)) == "$checks" ]]' \
  "the device counters rose by exactly the $checks checks made ($(($(counted) - counted_before)))"
same "after the writers" "--json --state blocked" "--state unlocked" "--json --account east --state locked"
rm -f "$tmp"/c3.list.*

part 4
########################################################################
# 4. Lists killed with SIGKILL at random instants, while slots are marked in
# many folders; checks in between. After each kill a full list equals the
# oracle; fsck finds nothing but the killed lists' temporary files, which
# --repair removes.
at 2026-11-26T16:00:00Z
for i in $(seq 1 3000); do printf '805ec0d%03x%02x\n' "$i" $((i * 23 % 256)); done |
  "$bin" add - --account west >/dev/null
all_macs >"$tmp/c4.macs"
assert '[[ $(wc -l <"$tmp/c4.macs") -ge 4900 ]]' "about 5000 devices ($(wc -l <"$tmp/c4.macs"))"
fetches() { # fetches N: N fetches of random devices from a few addresses
  shuf -n "$1" "$tmp/c4.macs" | awk '{print $1, "192.0.2." (NR % 7 + 1)}' >"$tmp/c4.fetch"
  batch "$tmp/c4.fetch"
}
# How long a list takes after 300 fetches (the shorter of two runs).
took=
for _ in 1 2; do
  fetches 300
  start=$(date +%s%N)
  "$bin" list --json >/dev/null
  rc=$? t=$((($(date +%s%N) - start) / 1000)) # µs
  assert '[[ $rc == 0 ]]' "list after 300 fetches exits 0"
  [[ -z $took ]] || ((t < took)) && took=$t
done
kills=0 rounds=15 slice=$((took / 15 + 1))
for round in $(seq 1 $rounds); do
  fetches 300
  # Instants spread over the run, at random within each slice of it.
  delay=$(((round - 1) * slice + RANDOM % slice))
  "$bin" list --json >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null # (a killed job is no news)
  [[ $? == 137 ]] && kills=$((kills + 1))
  if ((round % 2)); then fetches 100; fi # writes between the kill and the next list
  json_only=1 same "after kill $round (at $delay of $took µs)"
done
assert '((kills >= 5))' "lists were killed mid-run in $kills of $rounds rounds"
# The killed lists' temporary snapshots, and one of a list still at work.
tmps=$(find "$devs" -name '.tmp.*' | wc -l)
sleep 60 &
alive=$!
: >"$devs/00/.tmp..list.$alive.0123abcd"
run fsck
assert '[[ ( $rc == 0 || $rc == 74 ) && -z $(grep -v "^fsck: " <<<"$out" | grep -v "^debris: .*/devices/../\.tmp\.\.list\.") &&
  $(grep -c "^debris: " <<<"$out") == "$tmps" && $out != *".list.$alive."* ]]' \
  "fsck after the kills finds each of the $tmps temporary snapshots left as debris, and nothing else"
kill "$alive"
wait "$alive" 2>/dev/null
run fsck
contains "debris: $devs/00/.tmp..list.$alive.0123abcd" "fsck once that writer is gone"
run fsck --repair
assert '[[ $rc == 0 ]]' "fsck --repair exits 0"
run fsck
assert '[[ $rc == 0 && $out == *" 0 findings, 0 left"* ]]' "fsck after the repair finds nothing"
assert '[[ -z $(find "$devs" -name .list -o -name ".tmp.*") ]]' "fsck --repair removed every snapshot and temporary file"
same "after fsck --repair"

part 5
########################################################################
# 5. Snapshots that are not whole, or made for another boot, form, folder
# or device, or whose marks are not the ones they were made against (.lock
# removed, cut short, grown, holding another nonce): each is ignored, and
# list makes the marks whole again. A hand edit in each folder (noticed by
# no mark) shows whether the snapshot was taken anyway.
run list --json
hurt=("$devs"/{10,20,30,40,50,60,70,80,90,a0}/)
assert 'snapshots_sound "${hurt[@]}" && [[ -z $(marked "${hurt[@]}") ]]' \
  "the folders to damage have sound snapshots and nothing marked"
damage() { # damage CC HOW: changes a label by hand in folder CC, then damages its snapshot
  local dir=$devs/$1 mac
  mac=$(quiet_device "$dir")
  relabel "$dir/$mac.json" "hand $1"
  case $2 in
    random) head -c 3000 /dev/urandom >"$dir/.list" ;;
    half) truncate -s $(($(stat -c %s "$dir/.list") / 2)) "$dir/.list" ;;
    boot) sed -i '1s/ [0-9a-f-]\{36\} / 00000000-0000-0000-0000-000000000000 /' "$dir/.list" ;;
    form) sed -i '1s/^\(provlock-list 1 \)[^ ]*/\1other-form-9/' "$dir/.list" ;;
    no-lock) rm "$dir/.lock" ;;
    short-lock) truncate -s 100 "$dir/.lock" ;;
    long-lock) truncate -s 8192 "$dir/.lock" ;;
    nonce) # another valid nonce, written in place
      python3 - "$dir/.lock" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096)
    n = f.read(16)
    f.seek(4096)
    f.write((b"1" if n[:1] == b"0" else b"0") + n[1:])
EOF
      ;;
    folder | dev) # the header names another folder (or device)
      python3 - "$dir/.list" "$2" "$(stat -c %i "$devs/07")" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
head, nl, body = data.partition(b"\n")
w = head.split(b" ")
if sys.argv[2] == "folder":
    w[5] = sys.argv[3].encode()
else:
    w[4] = str(int(w[4]) + 1).encode()
open(sys.argv[1], "wb").write(b" ".join(w) + nl + body)
EOF
      ;;
  esac
  echo "$mac"
}
m=$(damage 10 random)
has "$m" label '"hand 10"'
same "a .list of random bytes"
m=$(damage 20 half)
has "$m" label '"hand 20"'
same "a .list cut in half"
assert 'head -1 "$devs/30/.list" | grep -q " $boot "' ".list of 30 names this boot"
m=$(damage 30 boot)
assert '! head -1 "$devs/30/.list" | grep -q " $boot "' ".list of 30 names another boot"
has "$m" label '"hand 30"'
same "a .list of another boot"
for how in form:40 folder:50 dev:60; do
  m=$(damage "${how#*:}" "${how%:*}")
  has "$m" label "\"hand ${how#*:}\""
done
same "snapshots of another form, folder or device"
# The marks: what the snapshots of 70, 80, 90 and a0 were made against.
lock_sizes() { stat -c %s "$devs"/{70,80,90,a0}/.lock 2>&1 | tr '\n' ' '; }
assert '[[ $(lock_sizes) == "4112 4112 4112 4112 " ]]' "whole lock files before the damage ($(lock_sizes))"
old_nonce=$(nonce "$devs/a0")
m=$(damage 70 no-lock)
assert '[[ ! -e $devs/70/.lock ]]' ".lock of 70 removed"
has "$m" label '"hand 70"'
m=$(damage 80 short-lock)
assert '[[ $(stat -c %s "$devs/80/.lock") == 100 ]]' ".lock of 80 cut to 100 bytes"
has "$m" label '"hand 80"'
m=$(damage 90 long-lock)
assert '[[ $(stat -c %s "$devs/90/.lock") == 8192 ]]' ".lock of 90 grown to 8192 bytes"
has "$m" label '"hand 90"'
m=$(damage a0 nonce)
assert '[[ $(nonce "$devs/a0") =~ ^[0-9a-f]{16}$ && $(nonce "$devs/a0") != "$old_nonce" &&
  $(head -1 "$devs/a0/.list") == *" $old_nonce "* ]]' \
  ".lock of a0 holds another valid nonce than its snapshot names ($old_nonce, now $(nonce "$devs/a0"))"
has "$m" label '"hand a0"'
assert '[[ $(lock_sizes) == "4112 4112 4112 4112 " ]]' \
  "list made the lock files removed, cut short or grown whole again ($(lock_sizes))"
same "a .lock removed, cut to 100 bytes, grown to 8192 bytes, or holding another nonce"
assert 'snapshots_sound "${hurt[@]}"' "the damaged folders have sound snapshots again"

part 6
########################################################################
# 6. A record changed by hand is not noticed (documented): the snapshot
# keeps the old label; a copy elsewhere and `fsck --repair` read it afresh.
dir=$devs/a5
m=$(quiet_device "$dir")
old=$(listed "$m" label)
relabel "$dir/$m.json" "changed by hand"
has "$m" label "$old"
# A copy elsewhere (cp -a of this folder: its .list, and its .lock with the
# marks and the nonce that the snapshot names, as they are).
oracle_copy "$tmp/elsewhere"
rm -rf "$tmp/elsewhere/devices/a5"
cp -a "$dir" "$tmp/elsewhere/devices/a5"
assert 'cmp -s "$dir/.list" "$tmp/elsewhere/devices/a5/.list" && cmp -s "$dir/.lock" "$tmp/elsewhere/devices/a5/.lock"' \
  "the copy holds the snapshot of a5 and its lock file"
assert '[[ $(PROVLOCK_STORE=$tmp/elsewhere listed "$m" label) == "\"changed by hand\"" ]]' \
  "a copy of the store lists the new label (its snapshots name other folders)"
rm -rf "$tmp/elsewhere"
expect 0 '*' fsck --repair
assert '[[ -z $(find "$devs" -name .list) ]]' "fsck --repair removed every .list"
erased() { # the device folders whose .lock holds an erased nonce, counted
  local d n=0
  for d in "$devs"/*/; do [[ $(nonce "$d") == ---------------- ]] && n=$((n + 1)); done
  echo "$n"
}
assert '[[ $(erased) == "$folders" ]]' "fsck --repair erased the nonce in the .lock of each of the $folders folders ($(erased))"
has "$m" label '"changed by hand"'
same "after a hand edit and fsck --repair"

part 7
########################################################################
# 7. A FIFO as .lock: every lock in its folder fails closed, so every write
# there exits 74, without hanging, and changes nothing; list reads that
# folder's records instead; fsck finds it and --repair moves it away. The
# lock file made anew holds no nonce, so the folder's old snapshot is not
# used (a hand edit shows it). A FIFO as .list: ignored, found, moved away.
dir=$devs/c0 m=805ec0f100c0
expect 0 "$m added" add "$m"
run list --json
hand=$(quiet_device "$dir")
rm "$dir/.lock" && mkfifo "$dir/.lock"
# The files of a folder (not its own times: add writes its record to a
# temporary file before it takes the lock, and removes it on failure).
folder_state() { find "$1" -mindepth 1 -printf '%p %i %s %T@ %m\n' | sort; }
folder_state "$dir" >"$tmp/c7.before"
start=$SECONDS
run_timeout() { out=$(timeout 20 "$bin" "$@" 2>"$tmp/stderr"); rc=$?; err=$(cat "$tmp/stderr"); }
run_timeout check "$m" 192.0.2.200
assert '[[ $rc == 74 && $err == *"lock file for $dir/$m.json is not a regular file"* ]]' \
  "check with a FIFO as .lock exits 74, naming the lock file"
run_timeout unlock "$m" --for 1h
assert '[[ $rc == 74 && $err == *"lock file for $dir/"*"is not a regular file"* ]]' "unlock with a FIFO as .lock exits 74"
run_timeout remove "$m"
assert '[[ $rc == 74 && $err == *"lock file for $dir/"*"is not a regular file"* ]]' "remove with a FIFO as .lock exits 74"
run_timeout add 805ec0f000c0
assert '[[ $rc == 74 && $err == *"lock file for $dir/"*"is not a regular file"* ]]' "add into a folder with a FIFO as .lock exits 74"
assert '((SECONDS - start < 10))' "no command hung on the FIFO ($((SECONDS - start)) s)"
has 805ec0f000c0 mac absent
has "$m" allowed 0
folder_state "$dir" >"$tmp/c7.after"
assert 'cmp -s "$tmp/c7.before" "$tmp/c7.after"' \
  "the writes and lists changed nothing in $dir: $(diff "$tmp/c7.before" "$tmp/c7.after" | head -4 | tr '\n' ' ')"
relabel "$dir/$hand.json" "hand c0"
has "$hand" label '"hand c0"'
rm "$devs/c1/.list" && mkfifo "$devs/c1/.list"
same "FIFOs as .lock and .list"
assert '[[ -p $dir/.lock && -p $devs/c1/.list ]]' "list left the FIFOs in place"
run fsck
assert '[[ $rc == 74 && $out == *"bad-record: $dir/.lock: is not a regular file"* &&
  $out == *"bad-record: $devs/c1/.list: is not a regular file"* ]]' "fsck reports both FIFOs as bad records"
expect 0 '*' fsck --repair
assert '[[ ! -e $dir/.lock && ! -e $devs/c1/.list && -n $(ls "$PROVLOCK_STORE"/quarantine/*devices_c0_.lock) &&
  -n $(ls "$PROVLOCK_STORE"/quarantine/*devices_c1_.list) ]]' "fsck --repair moved the FIFOs to quarantine"
# (It drops snapshots beside a regular lock file only: c0 keeps its old one,
# made before the hand edit.)
assert '[[ -f $dir/.list ]] && grep -q "^$hand" "$dir/.list" && ! grep -q "hand c0" "$dir/.list"' \
  "c0 keeps its snapshot made before the FIFO, with the old row of $hand"
allow first-provision "$m" 192.0.2.200
assert '[[ -f $dir/.lock && $(marked "$dir") == "$m" ]]' "the check made a new .lock holding its mark"
has "$m" allowed 1
has "$hand" label '"hand c0"'
expect 0 '*' add 805ec0f000c0
same "after the FIFOs were moved away"
assert 'snapshots_sound "$dir/" "$devs/c1/"' "list made whole marks and a snapshot naming them in c0 and c1"
allow same-ip "$m" 192.0.2.200
has "$m" allowed 2

part 8
########################################################################
# 8. A user who may not write the store: list reads every record, writes
# nothing, and prints the same.
at 2026-11-26T17:00:00Z
fetches 400
if [[ $(id -u) != 0 ]]; then
  echo "note: not root; skipping the read-only user case (CI runs it as root)"
else
  chmod o+rx "$tmp"
  chmod o+r "$PROVLOCK_CONFIG"
  as_nobody() { setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$@"; }
  if ! as_nobody test -r "$devs/00/.lock"; then
    echo "note: nobody cannot reach $tmp; skipping the read-only user case"
  else
    assert '[[ -n $(marked "$devs"/*/) ]]' "slots are marked before the read-only list"
    stamp
    state() { find "$PROVLOCK_STORE" -printf '%p %i %s %T@ %m\n' | sort; }
    state >"$tmp/c8.before"
    copies=$((copies + 1))
    oracle_copy "$tmp/copy.$copies"
    for v in --json ""; do
      as_nobody "$bin" list $v >"$tmp/c8.got" 2>"$tmp/c8.err"
      rc=$?
      lists "$tmp/copy.$copies" "$tmp/c8.want" $v
      out=$(head -3 "$tmp/c8.got") err=$(head -3 "$tmp/c8.err")
      assert '[[ $rc == 0 && ! -s $tmp/c8.err ]] && cmp -s "$tmp/c8.got" "$tmp/c8.want"' \
        "list $v as nobody exits 0 and equals the oracle"
    done
    rm -rf "$tmp/copy.$copies"
    state >"$tmp/c8.after"
    assert 'cmp -s "$tmp/c8.before" "$tmp/c8.after"' \
      "list as nobody changed nothing in the store: $(diff "$tmp/c8.before" "$tmp/c8.after" | head -4 | tr '\n' ' ')"
    marked_folders=$(marked "$devs"/*/ | tr ' ' '\n' | sed 's/.*\(..\)$/\1/' | sort -u | tr '\n' ' ')
    same "as root after the read-only lists"
    assert '[[ "$(renewed) " == "$marked_folders" ]]' \
      "root's list renewed the snapshots of exactly the marked folders ($(renewed | wc -w) folders)"
  fi
fi

part 9
########################################################################
# 9. An unreadable record: no row, reported by every list (exit 74), the
# other devices listed; mended, it is listed again without fsck.
dir=$devs/3e m=805ec0f1003e
expect 0 "$m added" add "$m"
allow first-provision "$m" 192.0.2.62
cp "$dir/$m.json" "$tmp/c9.good"
printf '{"mac":"%s", not json\n' "$m" >"$dir/$m.json"
for n in 1 2 3; do
  run list --json
  assert '[[ $rc == 74 && $err == *"unreadable record $dir/$m.json"* ]]' \
    "list $n exits 74 and names the unreadable record"
  assert '[[ $out != *"$m"* && $(wc -l <<<"$out") -ge 5000 ]]' "list $n lists every other device"
  assert '[[ $(marked "$dir") == "$m" ]]' "its slot is marked again after list $n"
done
run list
assert '[[ $rc == 74 && $err == *"$dir/$m.json"* && $out == MAC* ]]' "the table too exits 74 naming it"
want_rc=74 same "with an unreadable record"
assert '[[ $(grep -c "^$m" "$dir/.list") == 0 ]]' "the snapshot has no row for it"
cp "$tmp/c9.good" "$dir/$m.json"
has "$m" bound_ip '"192.0.2.62"'
same "after the record was mended"

part 10
########################################################################
# 10. A lock held past the lock timeout: list reads the folder's records
# instead, leaves its snapshot, marks and nonce, and prints the same.
config "${base_config[@]}" '[store]' 'lock_timeout = "1s"'
dir=$devs/5a m=805ec0f1005a
expect 0 "$m added" add "$m"
allow first-provision "$m" 192.0.2.90
run list --json
allow same-ip "$m" 192.0.2.90
stamp "$dir"
held_nonce=$(nonce "$dir")
rm -f "$tmp/locked" "$tmp/release"
python3 - "$dir/.lock" "$tmp/locked" "$tmp/release" <<'EOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1 << 62, 0)  # every key's byte
open(sys.argv[2], "w").close()
deadline = time.time() + 30
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.02)
EOF
holder=$!
for _ in $(seq 1 250); do [[ -e $tmp/locked ]] && break; sleep 0.02; done
assert '[[ -e $tmp/locked ]]' "another process holds every record lock of $dir"
has "$m" allowed 2
same "with a folder's record locks held elsewhere"
assert '[[ -z $(renewed "$dir") && $(marked "$dir") == "$m" && $(nonce "$dir") == "$held_nonce" ]]' \
  "the lists left that folder's snapshot, its mark and its nonce alone"
: >"$tmp/release"
wait "$holder"
has "$m" allowed 2
assert '[[ $(renewed "$dir") == 5a && -z $(marked "$dir") && $(nonce "$dir") != "$held_nonce" ]] &&
  snapshots_sound "$dir/"' "once the lock is free, list renews the snapshot under a new nonce"
config "${base_config[@]}"

expect 0 '*' fsck --repair
run fsck
assert '[[ $rc == 0 && $out == *" 0 findings"* ]]' "the store is sound at the end"
echo "list_snapshot: $copies oracle copies compared, $k lists during $checks concurrent checks," \
  "$kills of $rounds lists killed mid-run (list took ${took} µs), $((SECONDS - started)) s"
finish
