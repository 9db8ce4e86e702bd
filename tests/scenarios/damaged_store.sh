# Hostile and damaged files: each refused naming the file, never followed,
# never overwritten; fsck reports them and --repair quarantines them.
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
finish
