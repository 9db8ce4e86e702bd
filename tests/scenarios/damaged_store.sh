# Hostile and damaged files: each refused naming the file, never followed,
# never overwritten; fsck reports them and --repair quarantines them.
# backends: directory (about the files of a directory store)
source "$PROVLOCK_TESTLIB"
at 2026-11-26T12:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 805ec0000003 805ec0000004 805ec0000005 805ec0000006
allow first-provision 805ec0000001 192.0.2.1
d=$PROVLOCK_STORE/devices

# 02: truncated JSON.
head -c 40 "$d/02/805ec0000002.json" >"$tmp/t" && cat "$tmp/t" >"$d/02/805ec0000002.json"
# 03: a field of the wrong type.
sed -i 's/"blocked":false/"blocked":"no"/' "$d/03/805ec0000003.json"
# 04: a future format version.
sed -i 's/"format":1/"format":2/' "$d/04/805ec0000004.json"
# 05: a record naming another MAC than its file.
sed -i 's/"mac":"805ec0000005"/"mac":"805ec0000001"/' "$d/05/805ec0000005.json"
# 06: a symlink planted in the store, pointing outside it.
echo '{"secret":"outside"}' >"$tmp/outside.json"
rm "$d/06/805ec0000006.json" && ln -s "$tmp/outside.json" "$d/06/805ec0000006.json"
# A stray temporary file of a writer that is gone.
echo partial >"$d/01/.tmp.805ec0000001.json.999999.deadbeef"
for f in 02 03 04 05; do cp "$d/$f/805ec00000$f.json" "$tmp/$f.before"; done

for m in 2 3 4 5 6; do
  expect 74 "deny store-error" check 805ec000000$m 192.0.2.1
  run check 805ec000000$m 192.0.2.1
  assert '[[ $rc == 74 ]]' "check of damaged 805ec000000$m exits 74"
  contains "$d/0$m/805ec000000$m.json" "the error of 805ec000000$m"
  expect 74 '' unlock 805ec000000$m
  expect 74 '' remove 805ec000000$m
done
contains "symlink"
run show 805ec0000004
contains "newer provlock"
run show 805ec0000005
contains "names '805ec0000001'"
# Nothing was overwritten or followed.
for f in 02 03 04 05; do
  assert 'cmp -s "$d/$f/805ec00000$f.json" "$tmp/$f.before"' "805ec00000$f.json unchanged"
done
assert '[[ $(cat "$tmp/outside.json") == "{\"secret\":\"outside\"}" ]]' "the link target was not touched"
assert '[[ -L "$d/06/805ec0000006.json" ]]' "the link is still there"
# The sound device still works; list shows it and names the bad ones.
allow same-ip 805ec0000001 192.0.2.1
run list
assert '[[ $rc == 74 ]]' "list exits 74 when records are unreadable"
contains "805ec0000001  locked"
contains "$d/02/805ec0000002.json"

# fsck reports every one of them and exits non-zero.
run fsck
assert '[[ $rc == 74 ]]' "fsck exits 74"
for m in 2 3 4 5; do contains "bad-record: $d/0$m/805ec000000$m.json"; done
contains "symlink: $d/06/805ec0000006.json"
contains "debris: $d/01/.tmp.805ec0000001.json.999999.deadbeef"
# --repair quarantines, removes debris, and leaves a clean store.
run fsck --repair
assert '[[ $rc == 0 ]]' "fsck --repair exits 0 once all is repaired"
assert '[[ $(ls "$PROVLOCK_STORE/quarantine" | wc -l) == 5 ]]' "five files quarantined"
assert '[[ ! -e "$d/01/.tmp.805ec0000001.json.999999.deadbeef" ]]' "debris removed"
expect 0 '*' fsck
contains "0 findings"
expect 0 '*' list
deny unknown-device 805ec0000002 192.0.2.1
expect 0 '*' add 805ec0000002
allow first-provision 805ec0000002 192.0.2.1

# A corrupt address or unlock-all record fails checks closed.
mkdir -p "$PROVLOCK_STORE/meta" && echo "{" >"$PROVLOCK_STORE/meta/rules.json"
expect 74 "deny store-error" check 805ec0000001 192.0.2.1
expect 74 '' unlock-all
rm "$PROVLOCK_STORE/meta/rules.json"
allow same-ip 805ec0000001 192.0.2.1

# --- Recent versions: bookkeeping written in place without a flush
# (store/recent.hpp). A power cut may leave one torn, or one its record has
# superseded; either is ignored (the record stands), fsck calls it debris and
# --repair removes it. One can never bring back a binding its record ended.
at 2026-11-26T13:00:00Z
allow same-ip 805ec0000001 192.0.2.1
r=$d/01/805ec0000001.recent
assert '[[ -f $r && -f $d/01/805ec0000001.json ]]' "a same-ip check writes the recent version beside the record"
run --json show 805ec0000001
assert '[[ $out == *"\"last_seen\":\"2026-11-26T13:00:00Z\""* && $out == *"\"allowed\":4"* ]]' "show reads the recent version ($out)"
cp "$r" "$tmp/recent.good"
# Torn: cut short, as a power cut may leave it.
head -c 100 "$tmp/recent.good" >"$r"
run --json show 805ec0000001
assert '[[ $rc == 0 && $out == *"\"state\":\"locked\""* && $out == *"\"bound_ip\":\"192.0.2.1\""* && $out != *"13:00:00Z"* && $out == *"\"allowed\":1"* ]]' "a torn recent version is ignored: the record stands ($out)"
run fsck
assert '[[ $rc == 74 ]]' "fsck exits 74 on a torn recent version"
contains "debris: $r: is a torn recent version"
run fsck --repair
assert '[[ $rc == 0 && ! -e $r ]]' "fsck --repair removes the torn recent version"
allow same-ip 805ec0000001 192.0.2.1
# Superseded: a recent version written over the record as it was before an
# unlock, brought back (a power cut that kept an old copy). The unlock holds.
expect 0 '*' unlock 805ec0000001 --for 1h
assert '[[ ! -e $r ]]' "a durable write folds the recent version into the record"
cp "$tmp/recent.good" "$r"
run --json show 805ec0000001
assert '[[ $out == *"\"state\":\"unlocked\""* ]]' "a superseded recent version is ignored ($out)"
run fsck
contains "debris: $r: is a recent version that its record has superseded"
allow unlocked 805ec0000001 192.0.2.101
allow same-ip 805ec0000001 192.0.2.101
deny locked 805ec0000001 192.0.2.1
expect 0 '*' fsck
# A recent version that is not a regular file fails closed like a record.
rm -f "$r" && mkfifo "$r"
out=$(timeout 20 "$bin" check 805ec0000001 192.0.2.101 2>"$tmp/stderr")
rc=$? err=$(cat "$tmp/stderr")
assert '[[ $rc == 74 && $out == "deny store-error" && $err == *"$r is not a regular file"* ]]' "a FIFO as the recent version: deny store-error, 74 (got $rc '$out' '$err')"
run fsck --repair
assert '[[ $rc == 0 && ! -e $r ]]' "fsck --repair quarantines a FIFO planted as a recent version"
allow same-ip 805ec0000001 192.0.2.101

# --- Issue 8 additions: future formats beside devices, non-regular files,
# and links in place of folders. All fail closed naming the file, none
# blocks, none is followed, and fsck --repair leaves a clean store.
expect 0 '*' add 805ec00000a1 805ec00000a2 805ec00000a3 805ec00000b3
allow first-provision 805ec00000a1 192.0.2.11
allow first-provision 805ec00000b3 192.0.2.13
deny locked 805ec00000a1 192.0.2.66
# (A ban and its removal leave the address a record file, not only the
# recent version its counted attempts live in.)
expect 0 '*' ban add 192.0.2.66
expect 0 '*' ban remove 192.0.2.66

# A ban record of a future format: whether 192.0.2.66 is banned is unknown,
# so its checks fail closed; other addresses are not affected.
ban_file=$(ls "$PROVLOCK_STORE"/bans/*/192.0.2.66-32.json)
sed -i 's/"format":1/"format":2/' "$ban_file"
cp "$ban_file" "$tmp/ban.before"
expect 74 "deny store-error" check 805ec00000a1 192.0.2.66
contains "$ban_file"
contains "newer provlock"
expect 74 '' ban add 192.0.2.66
expect 74 '' ban remove 192.0.2.66
run ban list
assert '[[ $rc == 74 && $err == *"$ban_file"* ]]' "ban list exits 74 naming the unreadable ban record"
allow same-ip 805ec00000a1 192.0.2.11
assert 'cmp -s "$ban_file" "$tmp/ban.before"' "the future-format ban record is unchanged"

# A window record of a future format: checks from its address fail closed.
# (Windows are read in formats 1 to 3: see kWindowPrefixFormat.) Checks
# from other addresses go on, and a prefix window's still lets phones in.
expect 0 '*' window open 203.0.113.50 --hours 2
sed -i 's/"format":1/"format":4/' "$PROVLOCK_STORE/windows/203.0.113.50.json"
expect 74 "deny store-error" check 805ec00000a1 203.0.113.50
contains "$PROVLOCK_STORE/windows/203.0.113.50.json"
expect 0 '*' window open 203.0.113.0/24 --hours 2
expect 74 "deny store-error" check 805ec00000a1 203.0.113.50 --dry-run
allow window 805ec00000a1 203.0.113.51 --dry-run
allow same-ip 805ec00000a1 192.0.2.11 --dry-run
expect 0 "window for 203.0.113.0/24 closed" window close 203.0.113.0/24

# A FIFO planted as a device record: refused at once, never opened for a
# blocking read (timeout catches a hang), never replaced.
fifo=$PROVLOCK_STORE/devices/a2/805ec00000a2.json
rm "$fifo" && mkfifo "$fifo"
out=$(timeout 20 "$bin" check 805ec00000a2 192.0.2.12 2>"$tmp/stderr")
rc=$? err=$(cat "$tmp/stderr")
assert '[[ $rc == 74 && $out == "deny store-error" ]]' "check of a FIFO record: deny store-error, 74 (got $rc '$out')"
contains "$fifo is not a regular file"
for args in "show 805ec00000a2" "unlock 805ec00000a2" "remove 805ec00000a2"; do
  out=$(timeout 20 "$bin" $args 2>"$tmp/stderr")
  rc=$? err=$(cat "$tmp/stderr")
  assert '[[ $rc == 74 && $err == *"$fifo"* ]]' "$args with a FIFO as its record exits 74 naming it (got $rc)"
done
# add only looks whether the name is taken (it never reads or replaces what
# is there), so it may say the device exists.
out=$(timeout 20 "$bin" add 805ec00000a2 2>"$tmp/stderr")
rc=$? err=$(cat "$tmp/stderr")
assert '[[ ($rc == 74 && $err == *"$fifo"*) || ($rc == 0 && $out == "805ec00000a2 exists (unchanged)") ]]' "add with a FIFO as its record fails naming it or leaves it (got $rc '$out')"
assert '[[ -p $fifo ]]' "the FIFO was neither replaced nor removed"
# A FIFO as a folder's lock file: the records of that folder fail closed.
rm "$PROVLOCK_STORE/devices/a1/.lock" && mkfifo "$PROVLOCK_STORE/devices/a1/.lock"
out=$(timeout 20 "$bin" check 805ec00000a1 192.0.2.11 2>"$tmp/stderr")
rc=$? err=$(cat "$tmp/stderr")
assert '[[ $rc == 74 && $out == "deny store-error" ]]' "check with a FIFO as the lock file: deny store-error, 74 (got $rc '$out')"
contains "lock file for $PROVLOCK_STORE/devices/a1/805ec00000a1.json is not a regular file"
rm "$PROVLOCK_STORE/devices/a1/.lock"
allow same-ip 805ec00000a1 192.0.2.11
# Another, left for fsck: it names it, and --repair moves it away.
mkdir -p "$PROVLOCK_STORE/devices/b1" && mkfifo "$PROVLOCK_STORE/devices/b1/.lock"

# A bucket folder replaced by a link to a folder outside the store that
# holds a record of its own: never followed, for reading or for writing.
mkdir "$tmp/elsewhere"
cp -a "$PROVLOCK_STORE/devices/b3/." "$tmp/elsewhere/"
rm -rf "$PROVLOCK_STORE/devices/a3" && ln -s "$tmp/elsewhere" "$PROVLOCK_STORE/devices/a3"
rm -rf "$PROVLOCK_STORE/devices/b3"
mv "$tmp/elsewhere/805ec00000b3.json" "$tmp/elsewhere/805ec00000a3.json"
sed -i 's/805ec00000b3/805ec00000a3/' "$tmp/elsewhere/805ec00000a3.json"
(cd "$tmp/elsewhere" && sha1sum .lock 805ec00000a3.json) >"$tmp/elsewhere.sums"
expect 74 "deny store-error" check 805ec00000a3 192.0.2.13
contains "$PROVLOCK_STORE/devices/a3 is a symlink"
expect 74 '' show 805ec00000a3
expect 74 '' unlock 805ec00000a3
expect 74 '' add 805ec00001a3
run list
assert '[[ $rc == 74 && $out == *805ec00000a1* && $out != *805ec00000a3* ]]' "list names the link, lists the rest, and not what lies behind the link"
assert '(cd "$tmp/elsewhere" && sha1sum -c --quiet "$tmp/elsewhere.sums") && [[ $(ls -A "$tmp/elsewhere" | wc -l) == 2 ]]' "nothing behind the link was read into the store or written"

# fsck names all of them; --repair clears every one.
run fsck
assert '[[ $rc == 74 ]]' "fsck exits 74"
contains "bad-record: $ban_file"
contains "bad-record: $PROVLOCK_STORE/windows/203.0.113.50.json"
contains "symlink: $PROVLOCK_STORE/devices/a3"
contains "$fifo"
contains "bad-record: $PROVLOCK_STORE/devices/b1/.lock: is not a regular file"
run fsck --repair
contains "symlink: $PROVLOCK_STORE/devices/a3: is a symlink (moved to"
assert '[[ -d "$tmp/elsewhere" && -f "$tmp/elsewhere/805ec00000a3.json" ]]' "repair moved the link, not what it points to"
# A non-regular file in a record's place is a record that cannot be read
# (SPEC §8): quarantined, not left as a "stray" (it was, before b88e379).
assert '[[ $rc == 0 && ! -e $fifo ]]' "fsck --repair quarantines the FIFO planted as a record (exit $rc)"
rm -f "$fifo"
assert '[[ ! -e $PROVLOCK_STORE/devices/b1/.lock ]]' "fsck --repair moves a FIFO planted as a lock file away"
expect 0 '*' fsck
contains " 0 findings"
deny locked 805ec00000a1 192.0.2.66
deny unknown-device 805ec00000a2 192.0.2.12
expect 0 '*' add 805ec00000a2 805ec00001a3
allow first-provision 805ec00000a2 192.0.2.12
finish
