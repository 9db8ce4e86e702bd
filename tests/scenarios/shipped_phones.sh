# Phones registered more than a week before they arrive: stale until unlocked.
source "$PROVLOCK_TESTLIB"
customer=198.51.100.20

at 2026-11-01T10:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 805ec0000003
# Exactly lock.stale_after (7d) later the registration is still new.
at 2026-11-08T10:00:00Z
allow first-provision 805ec0000001 $customer
# One second later it is stale.
at 2026-11-08T10:00:01Z
deny stale-registration 805ec0000002 $customer
field 805ec0000002 state '"stale"'
expect 0 '*' list --state stale
assert '[[ $(printf "%s\n" "$out" | wc -l) == 3 ]]' "two stale devices listed"
expect 0 '*' unlock 805ec0000002 805ec0000003 --for 2d
allow unlocked 805ec0000002 $customer
# A shorter stale_after from the config.
config '[lock]' 'stale_after = "1d"'
at 2026-11-02T10:00:01Z
expect 0 '*' add 805ec0000009
at 2026-11-03T10:00:02Z
deny stale-registration 805ec0000009 $customer
finish
