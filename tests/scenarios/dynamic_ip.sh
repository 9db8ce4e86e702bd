# A phone on a dynamic address polling with credentials never locks itself out.
source "$PROVLOCK_TESTLIB"

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002
allow first-provision 805ec0000001 192.0.2.10
at 2026-11-03T09:00:00Z
# The ISP hands out a new address: without credentials, locked out.
deny locked 805ec0000001 192.0.2.44
# With credentials verified by the web server, allowed and re-bound.
allow authenticated 805ec0000001 192.0.2.44 --authenticated
field 805ec0000001 bound_ip '"192.0.2.44"'
allow same-ip 805ec0000001 192.0.2.44
allow authenticated 805ec0000001 192.0.2.44 --authenticated
deny locked 805ec0000001 192.0.2.10
# A new device polling with credentials is bound by its first fetch.
allow authenticated 805ec0000002 192.0.2.50 --authenticated
field 805ec0000002 state '"locked"'
# An address that changes within the configured binding width is the same IP.
config '[lock]' 'bind_prefix_v4 = 24' 'bind_prefix_v6 = 56'
allow same-ip 805ec0000002 192.0.2.199
deny locked 805ec0000002 192.0.3.1
expect 0 '*' add 805ec0000003
allow first-provision 805ec0000003 2001:db8:aa:bb00::1
allow same-ip 805ec0000003 2001:db8:aa:bbff::99
deny locked 805ec0000003 2001:db8:aa:cc00::1
# IPv4-mapped IPv6 is the IPv4 address.
allow same-ip 805ec0000002 ::ffff:192.0.2.7
finish
