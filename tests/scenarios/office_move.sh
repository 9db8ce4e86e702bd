# An office move with unlock-all and provisioning windows; expire for cron.
source "$PROVLOCK_TESTLIB"
old=203.0.113.10 new=198.51.100.40 third=192.0.2.99

at 2026-11-02T09:00:00Z
for i in $(seq 1 20); do printf '805ec000%04x\n' $i; done >"$tmp/acme"
"$bin" add - --account acme <"$tmp/acme" >/dev/null
expect 0 '*' add 000b82000001 --account other
while read -r m; do "$bin" check "$m" $old >/dev/null; done <"$tmp/acme"
allow first-provision 000b82000001 $old

# Friday: the office packs up. unlock-all for the account, until next fetch.
at 2026-11-06T17:00:00Z
expect 0 "unlock-all 1: devices of account acme unlocked until their next fetch" unlock-all --account acme
expect 0 '*' list --state unlocked --json
assert '[[ $(printf "%s\n" "$out" | wc -l) == 20 ]]' "the 20 acme phones are unlocked"
field 000b82000001 state '"locked"'
# A phone registered after the unlock-all is new, not unlocked.
at 2026-11-06T17:30:00Z
expect 0 '*' add 805ec000ffff --account acme
field 805ec000ffff state '"new"'

# The phones arrive days later at the new address.
at 2026-11-10T08:00:00Z
for i in $(seq 1 10); do allow unlock-all "805ec000$(printf %04x $i)" $new; done
field 805ec0000001 bound_ip "\"$new\""
field 805ec0000001 state '"locked"'
# A second fetch from a third address is refused: the unlock was used up.
deny locked 805ec0000001 $third
allow same-ip 805ec0000001 $new
# The other account was never unlocked.
deny locked 000b82000001 $new
# Phones not yet arrived stay unlocked.
field 805ec0000014 state '"unlocked"'
# expire keeps an unlock-all that devices can still use, and is idempotent.
expect 0 "expired: 0 unlocks, 0 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire
for i in $(seq 11 20); do allow unlock-all "805ec000$(printf %04x $i)" $new; done
expect 0 "expired: 0 unlocks, 1 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire
expect 0 "expired: 0 unlocks, 0 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire

# unlock-all --hours: only until then.
at 2026-11-11T08:00:00Z
expect 0 "unlock-all 2: devices of all accounts unlocked until 2026-11-11T10:00:00Z or their next fetch" unlock-all --hours 2
field 805ec0000002 until '"2026-11-11T10:00:00Z"'
at 2026-11-11T10:00:00Z
field 805ec0000002 state '"locked"'
deny locked 805ec0000002 $third
expect 64 '' unlock-all --hours 0
contains "1 to 40"
expect 64 '' unlock-all --hours 41
expect 64 '' unlock-all --hours 1.5

# A provisioning window for the new address, to the second.
at 2026-11-12T09:00:00Z
expect 0 "window open for $third until 2026-11-12T11:00:00Z (account acme)" window open $third --hours 2 --account acme
expect 0 "$third  until 2026-11-12T11:00:00Z  account acme" window list
allow window 805ec0000003 $third
field 805ec0000003 bound_ip "\"$third\""
deny locked 000b82000001 $third
at 2026-11-12T10:59:59Z
allow window 805ec0000004 $third
at 2026-11-12T11:00:00Z
deny locked 805ec0000005 $third
expect 0 '' window list
expect 64 '' window open $third --hours 41
contains "1 to 40"
expect 64 '' window open $third
expect 65 '' window open 10.0.0.256 --hours 1
# Closing a window ends it at once.
expect 0 '*' window open $third --hours 1
expect 0 "window for $third closed" window close $third
deny locked 805ec0000006 $third
expect 0 "window for $third was not open" window close $third

# Expired windows are removed; journal days older than keep_days are pruned.
expect 0 '*' window open $third --hours 1
at 2027-03-01T00:00:00Z
expect 0 '*' expire --json
assert 'printf "%s" "$out" | python3 -c "
import json,sys; j=json.load(sys.stdin)
assert j[\"windows\"]==1 and j[\"journal_days\"]>=5 and j[\"unlock_alls\"]==1, j
"' "expire ends the window and the --hours unlock-all, prunes old journal days"
assert '[[ -z $(record_keys windows) ]]' "no window records left"
expect 0 "expired: 0 unlocks, 0 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire
expect 0 '*' expire --dry-run
contains "would expire: 0 unlocks"
finish
