# SPEC v2 §4 identity: a verified user name opens only its own device.
source "$PROVLOCK_TESTLIB"
office=192.0.2.10 home=198.51.100.20 elsewhere=203.0.113.30

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 --account acme
expect 0 '805ec0000003 added' add 805ec0000003 --account acme --user desk-3
field 805ec0000003 user '"desk-3"'
field 805ec0000001 user '""'
run list --json
assert "[[ \$out == *'\"user\":\"desk-3\"'* ]]" "list --json shows the user name"
for mac in 805ec0000001 805ec0000002 805ec0000003; do
  allow first-provision $mac $office
done

# The device's own MAC, in any accepted form, is its identity: allowed from
# anywhere and re-bound there.
allow authenticated 805ec0000001 $home --user 805ec0000001
field 805ec0000001 bound_ip "\"$home\""
allow authenticated 805ec0000001 $office --user 80:5E:C0:00:00:01
allow authenticated 805ec0000001 $office --user 805e.c000.0001
# Its add --user name too.
allow authenticated 805ec0000003 $home --user desk-3
field 805ec0000003 bound_ip "\"$home\""

# Anyone else's credentials: auth-mismatch, from anywhere, even the bound
# address, and nothing moves.
deny auth-mismatch 805ec0000002 $home --user 805ec0000001
deny auth-mismatch 805ec0000002 $office --user 805ec0000001
deny auth-mismatch 805ec0000002 $home --user desk-3
deny auth-mismatch 805ec0000002 $home --user acme
field 805ec0000002 bound_ip "\"$office\""
field 805ec0000002 state '"locked"'
allow same-ip 805ec0000002 $office
# The journal names the credential that was tried.
run log 805ec0000002
assert "[[ \$out == *'auth-mismatch'*'user=desk-3'* ]]" "the journal names the user of a mismatch"
# A mismatch beats an unlock and a window: they are not used up.
expect 0 '*' unlock 805ec0000002 --for 1h
deny auth-mismatch 805ec0000002 $elsewhere --user desk-3
field 805ec0000002 state '"unlocked"'
expect 0 '*' window open $elsewhere --hours 1
deny auth-mismatch 805ec0000002 $elsewhere --user desk-3
allow window 805ec0000002 $elsewhere
expect 0 '*' window close $elsewhere
# --dry-run decides a mismatch and writes nothing.
deny auth-mismatch 805ec0000002 $home --user nobody --dry-run
# An empty --user is no identity (a server without authentication passes an
# empty REMOTE_USER).
deny locked 805ec0000002 $home --user ''
allow same-ip 805ec0000002 $elsewhere --user ''

# One credential per customer only when the operator says so.
deny auth-mismatch 805ec0000001 $elsewhere --user acme
config '[auth]' 'account_users = true'
allow authenticated 805ec0000001 $elsewhere --user acme
deny auth-mismatch 805ec0000001 $elsewhere --user other-customer
config '[auth]' 'account_users = "yes"'
expect 78 '' check 805ec0000001 $elsewhere --user acme
contains "auth.account_users"
config ''

# --batch: "MAC IP user=NAME".
run check --batch <<<"805ec0000003 $office user=desk-3
805ec0000003 $office user=desk-9
805ec0000003 $office user=
805ec0000003 $office user=$(head -c 257 /dev/zero | tr '\0' x)
805ec0000003 $office authenticated"
assert "[[ \$out == 'allow authenticated'$'\n''deny auth-mismatch'$'\n''deny bad-input'$'\n''deny bad-input'$'\n''allow authenticated' ]]" \
  "batch lines with user=NAME are judged by identity (a name over 256 bytes is bad input, as --user's is)"

# Bad input, refused before anything is written.
expect 64 '' check 805ec0000001 $office --user desk-3 --authenticated
expect 65 '' check 805ec0000001 $office --user "$(printf 'a\xffb')"
contains "--user"
expect 65 '' check 805ec0000001 $office --user "$(head -c 300 /dev/zero | tr '\0' x)"
expect 64 '' add 805ec0000004 805ec0000005 --user shared
contains "exactly one MAC"
expect 65 '' add 805ec0000004 --user 805ec0000001
contains "another device"
expect 65 '' add 805ec0000004 --user ''
expect 65 '' add 805ec0000004 --user "$(printf 'a\tb')"
expect 66 '' show 805ec0000004
# A user name that spells the device's own MAC is allowed (and redundant).
expect 0 '805ec0000004 added' add 805ec0000004 --user 80:5e:c0:00:00:04
finish
