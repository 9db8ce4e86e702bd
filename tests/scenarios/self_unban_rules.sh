# Self-unban (SPEC §5, issue 16): `ban remove --self` lifts only a ban that
# provlock made itself. An operator's `ban add IP` and a range ban over the
# address exit 77 and name the operator as the way out, and leave the ban
# standing; ban.self_unban_max = 0 turns it off.
source "$PROVLOCK_TESTLIB"
self_unban() {
  local addr=$1 rc=$2 text=$3
  GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=$addr expect "$rc" "$text" ban remove --self
}

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001

# An operator's single-address ban.
expect 0 '*' ban add 198.51.100.7 --for 2h
self_unban 198.51.100.7 77 ''
contains "only the operator can lift it"
deny banned 805ec0000001 198.51.100.7
expect 0 '*' ban list
contains "198.51.100.7/32"

# An address that banned itself (21 unknown MACs), then a range ban over it
# and over an address with no ban of its own.
for i in $(seq 1 21); do deny unknown-device 0000aa000001 198.51.100.99; done
expect 0 '*' ban add 198.51.100.0/24
self_unban 198.51.100.66 77 ''
contains "banned range 198.51.100.0/24"
contains "only the operator can lift it"
deny banned 805ec0000001 198.51.100.66
# Its own ban is not lifted either (that would not help, and would use up a
# self-unban); once the operator lifts the range, it is.
self_unban 198.51.100.99 77 ''
contains "banned range"
expect 0 '*' ban remove 198.51.100.0/24
self_unban 198.51.100.99 0 "198.51.100.99 unbanned"
# The operator's own ban is still in force after the range is lifted.
self_unban 198.51.100.7 77 ''

# Self-unban turned off.
config '[ban]' 'self_unban_max = 0'
for i in $(seq 1 21); do deny unknown-device 0000aa000002 192.0.2.5; done
self_unban 192.0.2.5 77 ''
contains "turned off"
config ''
self_unban 192.0.2.5 0 "192.0.2.5 unbanned"

finish
