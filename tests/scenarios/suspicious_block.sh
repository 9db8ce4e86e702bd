# Continued foreign fetches block a device until an operator forces an unlock.
source "$PROVLOCK_TESTLIB"
office=203.0.113.10

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001
allow first-provision 805ec0000001 $office
# Ten foreign fetches within 24h: still only locked.
for i in $(seq 1 10); do
  at "2026-11-02T$((9 + i)):00:00Z"
  deny locked 805ec0000001 198.51.100.$i
done
field 805ec0000001 state '"locked"'
# The eleventh within 24h blocks it.
at 2026-11-02T20:00:00Z
deny locked 805ec0000001 198.51.100.11
field 805ec0000001 state '"blocked"'
field 805ec0000001 blocked_at '"2026-11-02T20:00:00Z"'
# Blocked beats everything but a ban: even the bound address and credentials.
deny blocked 805ec0000001 $office
deny blocked 805ec0000001 $office --authenticated
expect 0 '*' unlock-all
deny blocked 805ec0000001 $office
# An unlock without --force is refused with 77.
expect 77 '' unlock 805ec0000001
contains "--force"
field 805ec0000001 state '"blocked"'
# A forced unlock that runs out unused falls back to blocked.
expect 0 '*' unlock 805ec0000001 --force --for 1h
field 805ec0000001 state '"unlocked"'
at 2026-11-02T21:00:00Z
field 805ec0000001 state '"blocked"'
# A forced unlock used by a fetch lifts the block.
expect 0 '*' unlock 805ec0000001 --force --for 1h
allow unlocked 805ec0000001 $office
field 805ec0000001 state '"locked"'
allow same-ip 805ec0000001 $office
# Foreign fetches spread wider than 24h never block.
for i in $(seq 1 15); do
  at "2026-11-$((10 + i))T12:00:00Z"
  deny locked 805ec0000001 198.51.100.$i
done
field 805ec0000001 state '"locked"'
expect 0 '*' log 805ec0000001
contains "force=true"
finish
