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
# Blocked freezes the binding (SPEC v2 §3): the bound address still fetches,
# anyone else is refused, and neither windows nor unlock-alls move it.
allow same-ip 805ec0000001 $office
deny blocked 805ec0000001 198.51.100.50
expect 0 '*' unlock-all
deny blocked 805ec0000001 198.51.100.50
expect 0 '*' window open 198.51.100.50 --hours 1
deny blocked 805ec0000001 198.51.100.50
allow same-ip 805ec0000001 $office
field 805ec0000001 state '"blocked"'
# Its own identity passes from anywhere and takes the binding along; the hold
# stays for the operator.
allow authenticated 805ec0000001 192.0.2.77 --user 805ec0000001
field 805ec0000001 bound_ip '"192.0.2.77"'
field 805ec0000001 state '"blocked"'
deny blocked 805ec0000001 $office
allow authenticated 805ec0000001 $office --authenticated
field 805ec0000001 bound_ip '"203.0.113.10"'
# Someone else's credentials: auth-mismatch, nothing moves.
deny auth-mismatch 805ec0000001 198.51.100.50 --user 805ec0000002
expect 0 '*' window close 198.51.100.50
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
# Foreign fetches from one address never block a device: 15 of them (fewer
# than ban.max_attempts, which would ban the address itself first).
for i in $(seq 10 24); do
  at "2026-11-03T09:$i:00Z"
  deny locked 805ec0000001 198.51.100.99
done
field 805ec0000001 state '"locked"'
# Foreign fetches spread wider than 24h never block.
for i in $(seq 1 15); do
  at "2026-11-$((10 + i))T12:00:00Z"
  deny locked 805ec0000001 198.51.100.$i
done
field 805ec0000001 state '"locked"'
expect 0 '*' log 805ec0000001
contains "force=true"
finish
