# An unlock left unused until it expires falls back to the state before it.
source "$PROVLOCK_TESTLIB"
office=203.0.113.10

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002
allow first-provision 805ec0000001 $office
expect 0 '*' unlock 805ec0000001 805ec0000002 --for 1h
field 805ec0000001 state '"unlocked"'
field 805ec0000002 state '"unlocked"'
# The last second of the unlock, then the first second after it.
at 2026-11-02T09:59:59Z
field 805ec0000001 state '"unlocked"'
at 2026-11-02T10:00:00Z
field 805ec0000001 state '"locked"'
field 805ec0000002 state '"new"'
deny locked 805ec0000001 192.0.2.5
allow same-ip 805ec0000001 $office
# expire tidies the record; the state does not change.
expect 0 "expired: 2 unlocks, 0 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire
field 805ec0000002 state '"new"'
field 805ec0000002 until null
expect 0 "expired: 0 unlocks, 0 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire
finish
