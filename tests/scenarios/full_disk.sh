# Full disk and read-only store (SPEC §8: "failed writes leave the previous
# record intact and exit 74 (73 for a file that cannot be created)"; §4: an
# error is never an allow). The store lives on a small tmpfs this test
# mounts, so it needs root (CI runs as root); it fails, not skips, without.
#
# 1. Every write point, one at a time: with every store file pinned by a
#    hard link (so no rename or unlink frees a page) and exactly k pages
#    free, the k+1-th page a command needs is refused. For each command and
#    k = 0..3 the command either does all it does normally, or fails closed:
#    `check` answers "deny store-error" with 74, others exit 74 or 73, the
#    message names the file and "No space left on device", nothing is
#    left behind, and with k = 0 not one byte of the store has changed.
# 2. After space is freed, the earlier bindings hold and all works again.
# 3. A journal line cut by the full disk (a write that straddles a page).
# 4. Inodes exhausted: no file can be created.
# 5. The store remounted read-only: writes fail closed naming the file and
#    "Read-only file system"; list, show, log, fsck and check --dry-run work.
# backends: directory (about the files of a directory store)
source "$PROVLOCK_TESTLIB"
if [[ $(id -u) != 0 ]]; then
  echo "FAIL: full_disk.sh mounts a tmpfs and must run as root (CI does); it cannot test a full disk otherwise" >&2
  exit 1
fi
mnt=$tmp/mnt
mkdir "$mnt"
trap 'umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; rm -rf "$tmp"' EXIT
if ! mount -t tmpfs -o size=1m,mode=0700 provlock-test "$mnt"; then
  echo "FAIL: cannot mount a tmpfs on $mnt (needs CAP_SYS_ADMIN)" >&2
  exit 1
fi
export PROVLOCK_STORE=$mnt/store
config '[ban]' 'max_attempts = 1000' '[suspicious]' 'max_foreign = 1000' '[lock]' 'stale_after = "52w"'
day0=1795435200 # 2026-11-23T12:00:00Z
at @$day0
expect 0 '*' add 805ec0000001 805ec0000002 805ec00000{10,11,12,13,50,51,52,53}
allow first-provision 805ec0000001 192.0.2.1
allow first-provision 805ec0000002 192.0.2.2

# snapshot: every store file but the lock files, with its checksum.
# (Empty files are left out: a journal append that fails may leave the new
# day's file empty. A record truncated to nothing would still show, as a
# missing line.)
snapshot() { (cd "$PROVLOCK_STORE" && find . -type f ! -name .lock ! -empty -print0 | sort -z | xargs -0 sha1sum); }
# fill [PAGES]: fills the file system, then frees PAGES (default 0) pages.
page=$(getconf PAGESIZE)
fill() {
  cat /dev/zero >>"$mnt/filler" 2>/dev/null
  [[ ${1:-0} == 0 ]] || truncate -s "-$(($1 * page))" "$mnt/filler"
}
free_all() { rm -rf "$mnt/filler" "$mnt/pins"; }
# clean WHAT: fsck finds nothing at all (no debris, no torn lines).
clean() {
  run fsck
  assert '[[ $rc == 0 && $out == *" 0 findings"* ]]' "$1: fsck finds nothing ($out)"
}

# --- 1. Every write point ------------------------------------------------
# sweep NAME EXPECTED-RC EXPECTED-OUT ARGS...: runs provlock ARGS with 0..3
# pages free; EXPECTED-* is what it does when every write succeeds. {k} in
# ARGS and EXPECTED-OUT stands for the number of free pages.
step=0
sweep() {
  local name=$1 want_rc=$2 want_out=$3 k args before expected summary=
  shift 3
  for k in 0 1 2 3; do
    expected=${want_out//\{k\}/$k}
    step=$((step + 1))
    # A new day each step: its journal file is new, so the journal append
    # needs a page of its own too.
    at @$((day0 + step * 86400))
    args=("${@//\{k\}/$k}")
    mkdir -p "$mnt/pins" && cp -al "$PROVLOCK_STORE" "$mnt/pins/$step"
    fill "$k"
    before=$(snapshot)
    run "${args[@]}"
    summary+=" k=$k:$rc"
    [[ $rc == 7[34] ]] && summary+="(${err#*"$PROVLOCK_STORE/"})" && summary=${summary%%:*: No space left on device}
    if [[ $rc == "$want_rc" && ($expected == '*' || $out == "$expected") ]]; then
      ok
      # It succeeded, so every write it makes was made: the journal says so
      # (expire journals only when it ended something).
      if [[ $name != expire ]]; then
        run --json log --since "@$((day0 + step * 86400))"
        assert '[[ $out == *"\"command\":\"${args[0]}"* ]]' "$name, $k pages free: succeeded and journalled"
      fi
    elif [[ $rc == 74 || ($rc == 73 && ${args[0]} != check) ]]; then
      ok
      [[ ${args[0]} == check ]] && assert '[[ $out == "deny store-error" ]]' "$name, $k pages free: exit 74 prints deny store-error, got '$out'"
      # A batch reports the devices it did before the failure; anything
      # else that fails prints no result.
      [[ ${args[0]} != check && $name != *batch ]] && assert '[[ -z $out ]]' "$name, $k pages free: a failed command prints no result ($out)"
      contains "$PROVLOCK_STORE/" "$name, $k pages free: the message names the file"
      contains "No space left on device" "$name, $k pages free: the message"
      if [[ $k == 0 && $name != remove ]]; then
        assert '[[ $(snapshot) == "$before" ]]' "$name, nothing free: the store is byte for byte as before"
      fi
    else
      bad "$name, $k pages free: exit $rc '$out', wanted exit $want_rc '$expected', or 74 (73) failing closed"
    fi
    clean "$name, $k pages free"
    rm -f "$mnt/filler"
  done
  echo "sweep $name:$summary"
}
sweep "check same-ip" 0 "allow same-ip" check 805ec0000001 192.0.2.1
sweep "check foreign" 1 "deny locked" check 805ec0000001 198.51.100.7
sweep "check first-provision" 0 "allow first-provision" check 805ec000001{k} 192.0.2.3
sweep "check unknown" 1 "deny unknown-device" check 805ec00000ff 192.0.2.9
sweep "unlock" 0 '*' unlock 805ec0000002 --for 1h
sweep "add" 0 "805ec000002{k} added" add 805ec000002{k}
sweep "add batch" 0 '*' add 805ec000003{k} 805ec000004{k}
sweep "ban add" 0 '*' ban add 198.51.100.99 --for 1h
sweep "window open" 0 '*' window open 203.0.113.9 --hours 1
sweep "unlock-all" 0 '*' unlock-all --hours 1
sweep "expire" 0 '*' expire
# A remove has nothing to write but the journal: with no page free it
# removes the device and then fails on the journal (so it is left out of
# the "byte for byte" check above).
sweep "remove" 0 "805ec000005{k} removed" remove 805ec000005{k}
# Reading needs no space.
fill
allow same-ip 805ec0000001 192.0.2.1 --dry-run
expect 0 '*' list
contains "805ec0000002  locked"
expect 0 '*' show 805ec0000001
contains "bound_ip: 192.0.2.1"
free_all

# --- 2. Space freed: the bindings made before hold -----------------------
at @$((day0 + 100 * 86400))
allow same-ip 805ec0000001 192.0.2.1
deny locked 805ec0000001 192.0.2.77
allow same-ip 805ec0000002 192.0.2.2
deny locked 805ec0000002 192.0.2.1
expect 0 '*' unlock 805ec0000002
allow unlocked 805ec0000002 192.0.2.200
allow same-ip 805ec0000002 192.0.2.200
expect 0 "805ec0000099 added" add 805ec0000099
allow first-provision 805ec0000099 192.0.2.99
clean "after the disk was full"

# --- 3. A journal line that straddles the last free byte -----------------
# The line is written at the end of the journal; when the disk fills in
# the middle of it, what was written must not stay behind as a torn line
# that the next entry is appended to.
# (Before b88e379 a short write followed by ENOSPC left the first part of
# the line behind without its newline; the next entry was glued to it, fsck
# reported a bad journal line it could not repair, and `log` exited 74.)
at @$((day0 + 101 * 86400))
journal_file=$PROVLOCK_STORE/journal/$(date -u -d @$((day0 + 101 * 86400)) +%F).jsonl
deny unknown-device 805ec00000fe 192.0.2.9
line=$(tail -n 1 "$journal_file" | wc -c)
while ((page - $(stat -c %s "$journal_file") % page >= line)); do
  "$bin" check 805ec00000fe 192.0.2.9 >/dev/null
done
fill
expect 74 "deny store-error" check 805ec00000fe 192.0.2.9
free_all
deny unknown-device 805ec00000fe 192.0.2.9
clean "after a journal append cut by the full disk"
run log
assert '[[ $rc == 0 ]]' "log reads the journal after an append cut by the full disk (exit $rc: $err)"
assert '[[ $(tail -n 1 "$journal_file") == *"\"mac\":\"805ec00000fe\""* && $(tail -c 1 "$journal_file" | od -An -c) == *"\n"* ]]' "the entry after the cut one is whole, on a line of its own"
# What follows tests other things: take the day's journal out of the way
# (should a cut line come back, it would fail them all).
rm -f "$journal_file"

# --- 4. No inode left: nothing can be created ----------------------------
at @$((day0 + 102 * 86400))
before=$(snapshot)
used=$(df --output=iused "$mnt" | tail -n 1 | tr -d ' ')
mount -o "remount,nr_inodes=$used" "$mnt"
assert '[[ $(df --output=iavail "$mnt" | tail -n 1 | tr -d " ") == 0 ]]' "no inode left on the test file system"
expect 73 '' add 805ec0000100
contains "cannot create $PROVLOCK_STORE/devices/00"
contains "No space left on device"
expect 74 "deny store-error" check 805ec0000001 192.0.2.1
contains "No space left on device"
expect 73 '' unlock 805ec0000001
contains "cannot create $PROVLOCK_STORE/devices/01/805ec0000001.json"
assert '[[ $(snapshot) == "$before" ]]' "no inode left: the store is byte for byte as before"
mount -o remount,nr_inodes=100000 "$mnt"
allow same-ip 805ec0000001 192.0.2.1
clean "after the inodes ran out"

# --- 5. Read-only ---------------------------------------------------------
at @$((day0 + 103 * 86400))
expect 0 '*' window open 203.0.113.5 --hours 2
before=$(snapshot)
mount -o remount,ro "$mnt"
expect 74 "deny store-error" check 805ec0000001 192.0.2.1
contains "$PROVLOCK_STORE/devices/01/805ec0000001.json" "the error of a read-only check"
contains "Read-only file system" "the error of a read-only check"
expect 74 "deny store-error" check 805ec0000001 192.0.2.8
expect 74 "deny store-error" check 805ec0000055 192.0.2.8
expect 74 '' unlock 805ec0000001
contains "$PROVLOCK_STORE/devices/01/805ec0000001.json" "the error of a read-only unlock"
contains "Read-only file system" "the error of a read-only unlock"
expect 74 '' remove 805ec0000001
contains "Read-only file system"
expect 73 '' add 805ec0000200
contains "Read-only file system"
for args in "ban add 198.51.100.5" "window open 203.0.113.6 --hours 1" "unlock-all"; do
  run $args
  assert '[[ ($rc == 73 || $rc == 74) && -z $out && $err == *"Read-only file system"* ]]' "read-only: $args fails closed (exit $rc)"
done
# Reading works.
allow same-ip 805ec0000001 192.0.2.1 --dry-run
deny locked 805ec0000001 192.0.2.8 --dry-run
allow window 805ec0000001 203.0.113.5 --dry-run
expect 0 '*' list
contains "805ec0000001  locked"
contains "805ec0000099  locked"
expect 0 '*' show 805ec0000001
contains "bound_ip: 192.0.2.1"
expect 0 '*' window list
contains "203.0.113.5"
expect 0 '*' log 805ec0000001
expect 0 '*' fsck
contains " 0 findings"
assert '[[ $(snapshot) == "$before" ]]' "read-only: the store is byte for byte as before"
mount -o remount,rw "$mnt"
allow same-ip 805ec0000001 192.0.2.1
expect 0 '*' unlock 805ec0000001
clean "after the read-only mount"
finish
