# A phone taken home: locked, unlocked, re-bound; the old address refused.
source "$PROVLOCK_TESTLIB"
office=203.0.113.10 home=192.0.2.77

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001
allow first-provision 805ec0000001 $office
at 2026-11-05T18:00:00Z
deny locked 805ec0000001 $home
at 2026-11-05T18:10:00Z
expect 0 "805ec0000001 unlocked until 2026-11-06T18:10:00Z" unlock 805ec0000001 --for 24h
field 805ec0000001 state '"unlocked"'
field 805ec0000001 until '"2026-11-06T18:10:00Z"'
at 2026-11-05T18:15:00Z
allow unlocked 805ec0000001 $home
field 805ec0000001 state '"locked"'
field 805ec0000001 bound_ip "\"$home\""
field 805ec0000001 until null
at 2026-11-06T03:00:00Z
allow same-ip 805ec0000001 $home
deny locked 805ec0000001 $office
# The default unlock lasts lock.unlock_for (7d).
at 2026-11-10T00:00:00Z
expect 0 "805ec0000001 unlocked until 2026-11-17T00:00:00Z" unlock 805ec0000001
# MACs from stdin, as an office-move script would pass them.
expect 0 '*' add 805ec0000002 805ec0000003
printf '805ec0000002\n80:5e:c0:00:00:03\n' >"$tmp/macs"
run unlock - <"$tmp/macs"
assert '[[ $rc == 0 && $(printf "%s\n" "$out" | wc -l) == 2 ]]' "unlock - reads MACs from stdin"
finish
