# SPEC §6: --account "" means the devices without an account, for unlock-all
# and window open as for list; it never widens a scope to every account (a
# script whose $ACCT came out empty must not unlock every customer's phones).
# Leaving the flag out is the only way to mean every account. Records written
# by 0.1, where "account": "" meant every account, keep that meaning.
source "$PROVLOCK_TESTLIB"
home=192.0.2.10 away=198.51.100.40 win=203.0.113.9

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 --account acme
expect 0 '*' add 805ec0000003 --account other
expect 0 '*' add 805ec0000004 805ec0000005 # no account
expect 0 '*' add 805ec0000006 --account ''  # no account either
for i in 1 2 3 4 5 6; do allow first-provision 805ec000000$i $home; done
acme="805ec0000001 805ec0000002 805ec0000003"
none="805ec0000004 805ec0000005 805ec0000006"

# unlock-all --account "": only the devices without an account.
at 2026-11-03T09:00:00Z
expect 0 "unlock-all 1: devices without an account unlocked until their next fetch" \
  unlock-all --account ''
expect 0 '*' list --state unlocked
assert '[[ $(printf "%s\n" "$out" | tail -n +2 | awk "{print \$1}" | tr "\n" " ") == "$none " ]]' \
  "unlock-all --account '' unlocks exactly the devices without an account: $out"
for m in $acme; do field $m state '"locked"'; done
expect 0 '*' log --json
assert 'printf "%s\n" "$out" | grep -q "\"account\":\"\",\"command\":\"unlock-all\""' \
  "the journal's unlock-all entry has account \"\""
deny locked 805ec0000001 $away
deny locked 805ec0000003 $away
allow unlock-all 805ec0000004 $away
expect 0 '{"id":2,"account":"","until":"2026-11-03T10:00:00Z"}' unlock-all --account '' --hours 1 --json
# The rules record says "no account" in format 2, which 0.1 refuses rather
# than reading it as every account.
assert 'record meta/rules.json | grep -q "\"format\":2"' "rules.json is format 2: $(record meta/rules.json)"

# window open --account "": admits only the devices without an account.
at 2026-11-04T09:00:00Z
expect 0 "window open for $win until 2026-11-04T11:00:00Z (no account)" \
  window open $win --hours 2 --account ''
expect 0 "$win  until 2026-11-04T11:00:00Z  no account" window list
expect 0 "{\"ip\":\"$win\",\"prefix\":\"$win/32\",\"account\":\"\",\"opened\":\"2026-11-04T09:00:00Z\",\"until\":\"2026-11-04T11:00:00Z\"}" \
  window list --json
assert 'record windows/$win.json | grep -q "\"format\":2"' "the no-account window is format 2"
deny locked 805ec0000001 $win
deny locked 805ec0000003 $win
allow window 805ec0000005 $win
allow window 805ec0000006 $win

# Leaving the flag out means every account, written as 0.1 wrote it.
expect 0 "window open for $win until 2026-11-04T10:00:00Z" window open $win --hours 1
expect 0 "$win  until 2026-11-04T10:00:00Z  all accounts" window list
expect 0 "{\"ip\":\"$win\",\"prefix\":\"$win/32\",\"account\":null,\"opened\":\"2026-11-04T09:00:00Z\",\"until\":\"2026-11-04T10:00:00Z\"}" \
  window list --json
assert 'record windows/$win.json | grep -q "\"format\":1"' "an every-account window is format 1"
allow window 805ec0000001 $win
# A named account stays that account.
expect 0 "window open for $win until 2026-11-04T10:00:00Z (account acme)" \
  window open $win --hours 1 --account acme
deny locked 805ec0000004 $win
allow window 805ec0000002 $win
expect 0 "{\"id\":3,\"account\":null,\"until\":null}" unlock-all --json
allow unlock-all 805ec0000003 $away
allow unlock-all 805ec0000005 $away

# A store written by 0.1: "account": "" in a window and in an unlock-all
# entry still means every account.
at 2026-11-05T09:00:00Z
put_record windows/$win.json <<'EOF'
{"account":"","format":1,"ip":"203.0.113.9","opened":"2026-11-05T08:00:00Z","until":"2026-11-05T12:00:00Z"}
EOF
expect 0 "$win  until 2026-11-05T12:00:00Z  all accounts" window list
allow window 805ec0000003 $win
allow window 805ec0000004 $win
put_record meta/rules.json <<'EOF'
{"format":1,"range_bans":{"entries":[],"format":1},"unlock_all":{"entries":[{"account":"","at":"2026-11-05T08:00:00Z","id":9,"until":null}],"format":1,"last_id":9}}
EOF
expect 0 '*' list --state unlocked
assert '[[ $(printf "%s\n" "$out" | tail -n +2 | wc -l) == 6 ]]' "a 0.1 unlock-all of \"\" unlocks every account: $out"
allow unlock-all 805ec0000001 $away
allow unlock-all 805ec0000005 $away
expect 0 '*' fsck
contains "0 findings"
finish
