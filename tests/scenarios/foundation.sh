# Registering, listing, showing and removing devices; input and config errors.
source "$PROVLOCK_TESTLIB"

at 2026-11-26T12:00:00Z
expect 65 '' add 00:11:22:33:44:zz
assert store_absent "a bad MAC must not create the store"
contains "'00:11:22:33:44:zz'" "the error"
expect 65 '' add 01:00:5e:00:00:01
contains "multicast"
expect 65 '' add 000000000000
expect 65 '' add ffffffffffff
# Accounts and labels are JSON strings in the records: UTF-8 or refused,
# named with the bytes escaped, before anything is written.
expect 65 '' add 001122aabbcc --label $'desk\xff'
contains "invalid --label 'desk\\xff': not UTF-8 text"
expect 65 '' add 001122aabbcc --account $'\xc0\xaf' # an overlong '/'
contains "invalid --account '\\xc0\\xaf'"
expect 65 '' unlock-all --account $'\xed\xa0\x80' # a surrogate
expect 65 '' window open 192.0.2.1 --hours 1 --account $'\xf4\x90\x80\x80' # past U+10FFFF
assert store_absent "text that is not UTF-8 must not create the store"

expect 0 "001122aabbcc added
001122aabbcd added
001122aabbce added
001122aabbcf added" add 00:11:22:AA:BB:CC 00-11-22-aa-bb-cd 0011.22aa.bbce 001122aabbcf --account acme --label desk
at 2026-11-27T12:00:00Z
expect 0 "001122aabbcc exists (unchanged)" add 001122aabbcc --account other
field 001122aabbcc registered '"2026-11-26T12:00:00Z"'
field 001122aabbcc account '"acme"'
field 001122aabbcc state '"new"'

# stdin: every MAC parsed before anything is written.
printf '# office\n00:11:22:00:00:01\n\n00:11:22:00:00:0g\n' >"$tmp/bad-list"
run add - <"$tmp/bad-list"
assert '[[ $rc == 65 ]]' "a bad MAC on stdin exits 65"
contains "stdin line 4"
expect 66 '' show 001122000001
printf '00:11:22:00:00:01\n001122000002\n' | "$bin" add - --account beta >/dev/null
field 001122000002 account '"beta"'

expect 0 '*' list
assert '[[ $(printf "%s\n" "$out" | head -1) == MAC* ]]' "list prints a header"
assert '[[ $(printf "%s\n" "$out" | wc -l) == 7 ]]' "list shows 6 devices and a header"
expect 0 '*' list --json
assert '[[ $(printf "%s\n" "$out" | wc -l) == 6 ]]' "list --json prints one line per device"
assert 'printf "%s\n" "$out" | python3 -c "
import json,sys
rows=[json.loads(l) for l in sys.stdin]
assert [r[\"mac\"] for r in rows]==sorted(r[\"mac\"] for r in rows)
for r in rows: assert {\"mac\",\"state\",\"account\",\"bound_ip\",\"last_seen\",\"until\"} <= r.keys()
"' "list --json rows are sorted and complete"
expect 0 '*' list --account beta --json
assert '[[ $(printf "%s\n" "$out" | wc -l) == 2 ]]' "list --account filters"
expect 64 '' list --state sideways

expect 0 "001122aabbcf removed" remove 001122aabbcf
expect 66 '' remove 001122aabbcf
expect 66 '' show 001122aabbcf
expect 66 '' unlock 001122aabbcf

# Usage errors are 64, the version and help 0.
expect 64 '' frobnicate
contains "unknown command 'frobnicate'"
expect 64 '' list --bogus
expect 64 '' --now yesterday list
contains "'yesterday'"
expect 64 '' unlock 001122aabbcc --for 0s
expect 0 '*' --version
contains "provlock "
expect 0 '*' help check
contains "--authenticated"

# Config: unknown key and bad value exit 78 naming key and file.
config '[lock]' 'stale_afterr = "7d"'
expect 78 '' list
contains "lock.stale_afterr" "the error"
contains "$PROVLOCK_CONFIG" "the error"
config '[ban]' 'count = "some"'
expect 78 '' list
contains "ban.count"
config ''
expect 78 '' --config "$tmp/missing.toml" list
contains "$tmp/missing.toml"

# Records are group-writable in setgid folders.
if [[ $backend == directory ]]; then
  assert '[[ $(stat -c %a "$PROVLOCK_STORE/devices/cc") == 2775 ]]' "folders are 2775"
  assert '[[ $(stat -c %a "$PROVLOCK_STORE/devices/cc/001122aabbcc.json") == 664 ]]' "records are 664"
fi
finish
