# /48 bans (SPEC §5): IPv6 is counted and banned by its /64, and when more
# than ban.ipv6_group_bans (3) /64s of one /48 are banned at once the whole
# /48 is banned until the last of them ends: one holder of a /48 has 65,536
# /64s to scan from.
source "$PROVLOCK_TESTLIB"
scan() { # scan PREFIX: 21 unknown MACs from PREFIX::1, the 21st bans it
  local i
  for i in $(seq 1 21); do deny unknown-device "0000aa0000$(printf %02x $i)" "$1::1"; done
}

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 805ec0000003
for n in 1 2 3; do scan 2001:db8:1:$n; done
# Three banned /64s: the rest of the /48 is free.
deny unknown-device 0000aa0000ff 2001:db8:1:5::1
at 2026-11-02T09:10:00Z
scan 2001:db8:1:4
# The fourth bans the /48: a fifth /64 is banned on its first request, even
# for a registered phone; a /64 of another /48 is not.
deny banned 0000aa0000fe 2001:db8:1:6::1
deny banned 805ec0000001 2001:db8:1:ffff::1
allow first-provision 805ec0000002 2001:db8:2:1::1
expect 0 '*' ban list
contains "2001:db8:1::/48  since 2026-11-02T09:10:00Z  until 2026-11-02T10:10:00Z  group  banned 1x  members 4"
expect 0 '*' ban list --json
contains '{"ip":"2001:db8:1::/48","since":"2026-11-02T09:10:00Z","until":"2026-11-02T10:10:00Z","reason":"group","times_banned":1,"members":4}'
expect 0 '*' log --json
contains '"ip":"2001:db8:1::/48","members":4,"reason":"group"' 

# The CGI's 403 names the group and the operator, and offers no self-unban.
mkdir -p "$tmp/root"
echo "[cgi]" >>"$PROVLOCK_CONFIG"
echo "root = \"$tmp/root\"" >>"$PROVLOCK_CONFIG"
echo cfg >"$tmp/root/805ec0000001.cfg"
cgi() { # cgi METHOD PATH ADDR
  out=$(env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=$1 PATH_INFO=$2 SCRIPT_NAME=/p \
    REMOTE_ADDR=$3 "$bin" cgi 2>"$tmp/stderr")
  rc=$?
  err=$(cat "$tmp/stderr")
}
cgi GET /805ec0000001.cfg 2001:db8:1:77::1
contains "Status: 403"
contains "is in the banned group 2001:db8:1::/48 until 2026-11-02T10:10:00Z"
contains "only the operator can lift it"
assert '[[ $out != *unban-self* ]]' "the 403 of a group ban offers no self-unban"
cgi POST /unban-self 2001:db8:1:6::1
contains "Status: 403"
contains "banned group 2001:db8:1::/48"

# It ends with the last of its members, to the second (10:10).
at 2026-11-02T10:09:59Z
deny banned 805ec0000001 2001:db8:1:ffff::1
at 2026-11-02T10:10:00Z
allow first-provision 805ec0000001 2001:db8:1:ffff::1
expect 0 '*' expire
contains "5 bans"

# Banned again, the operator lifts the /48 (its members stay banned).
at 2026-11-03T09:00:00Z
for n in 11 12 13 14; do scan 2001:db8:1:$n; done
deny banned 805ec0000001 2001:db8:1:ffff::2
expect 0 "2001:db8:1::/48 unbanned" ban remove 2001:db8:1::/48
allow same-ip 805ec0000001 2001:db8:1:ffff::2
deny banned 805ec0000001 2001:db8:1:11::1

# Config: ban.ipv6_group_bans = 1 bans the /48 at its second /64; bad values
# exit 78 naming the key.
config '[ban]' 'ipv6_group_bans = 1' 'ipv6_group_prefix = 56'
at 2026-11-04T09:00:00Z
scan 2001:db8:9:101
scan 2001:db8:9:1ff
deny banned 805ec0000002 2001:db8:9:1aa::1
allow first-provision 805ec0000003 2001:db8:9:201::1
config '[ban]' 'ipv6_group_bans = 0'
expect 78 '' ban list
contains "ban.ipv6_group_bans"
config '[ban]' 'ipv6_group_prefix = 64'
expect 78 '' ban list
contains "ban.ipv6_group_prefix"
config '[ban]' 'ipv6_prefix = 56' 'ipv6_group_prefix = 56'
expect 78 '' ban list
contains "ban.ipv6_group_prefix: 56 is not shorter than ban.ipv6_prefix (56)"
finish
