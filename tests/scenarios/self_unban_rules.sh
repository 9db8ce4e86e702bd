# Self-unban (SPEC §5, issues 15 and 16): `ban remove --self` lifts only a
# ban that provlock made itself. An operator's `ban add IP` and a range ban
# over the address exit 77 and name the operator as the way out, and leave
# the ban standing; ban.self_unban_max = 0 turns it off. It is only for a
# known address (a registered device was allowed from it within
# ban.self_unban_known, 30d) or a request with a registered device's own
# identity (a REMOTE_USER that is its MAC): a scanner that never provisioned
# anything cannot lift its own ban. The CGI's 403 offers it only where it
# would work.
source "$PROVLOCK_TESTLIB"
self_unban() {
  local addr=$1 rc=$2 text=$3
  GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=$addr expect "$rc" "$text" ban remove --self
}
mkdir -p "$tmp/root"
echo cfg >"$tmp/root/805ec0000001.cfg"
base_config=('[cgi]' "root = \"$tmp/root\"")
config "${base_config[@]}"
cgi() { # cgi METHOD PATH ADDR [REMOTE_USER]
  out=$(env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=$1 PATH_INFO=$2 SCRIPT_NAME=/p \
    REMOTE_ADDR=$3 ${4:+REMOTE_USER=$4} "$bin" cgi </dev/null 2>"$tmp/stderr")
  rc=$?
  err=$(cat "$tmp/stderr")
}
scan() { # scan ADDR: 21 unknown MACs, the 21st bans it
  local i
  for i in $(seq 1 21); do deny unknown-device "0000aa0000$(printf %02x $i)" "$1"; done
}

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 805ec0000003

# An operator's single-address ban.
expect 0 '*' ban add 198.51.100.7 --for 2h
self_unban 198.51.100.7 77 ''
contains "only the operator can lift it"
deny banned 805ec0000001 198.51.100.7
expect 0 '*' ban list
contains "198.51.100.7/32"

# An address a phone provisioned from (known) that then banned itself (21
# unknown MACs), then a range ban over it and over an address with no ban of
# its own.
allow first-provision 805ec0000002 198.51.100.99
scan 198.51.100.99
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

# A scanner that never provisioned anything cannot lift its own ban, and its
# 403 does not offer it.
scanner=203.0.113.66
scan $scanner
self_unban $scanner 77 ''
contains "ban.self_unban_known"
cgi GET /805ec0000001.cfg $scanner
contains "Status: 403"
contains "banned: $scanner is banned until 2026-11-02T10:00:00Z; ask the operator to lift it"
assert '[[ $out != *unban-self* ]]' "the scanner's 403 offers no self-unban"
cgi POST /unban-self $scanner
contains "Status: 403"
contains "not permitted: $scanner is banned until"
deny banned 805ec0000001 $scanner
# ...unless it carries a registered device's own identity (REMOTE_USER is
# the device's MAC). Another name, or an unregistered MAC, is none.
cgi POST /unban-self $scanner office-user
contains "Status: 403"
cgi POST /unban-self $scanner 00:00:aa:00:00:01
contains "Status: 403"
cgi GET /805ec0000001.cfg $scanner 805ec0000003
contains "POST /p/unban-self from that address to lift it"
cgi POST /unban-self $scanner 80:5E:C0:00:00:03
contains "Status: 200"
contains "unbanned: $scanner may fetch again"
GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=$scanner REMOTE_USER=805ec0000003 \
  expect 0 "$scanner is not banned" ban remove --self

# An office: a phone was allowed from it on day 0. Within 30 days a
# misconfigured device gets it banned: the 403 offers the self-unban, and it
# works. 30 days after (the phone fetched nothing since), it does not.
office=192.0.2.10
allow first-provision 805ec0000001 $office
at 2026-12-01T08:59:59Z
scan $office
cgi GET /805ec0000001.cfg $office
contains "Status: 403"
contains "POST /p/unban-self from that address to lift it"
cgi POST /unban-self $office
contains "Status: 200"
contains "unbanned: $office may fetch again"
at 2026-12-02T09:00:00Z
scan $office
cgi GET /805ec0000001.cfg $office
contains "ask the operator to lift it"
assert '[[ $out != *unban-self* ]]' "30 days after its last allowed fetch the office's 403 offers no self-unban"
self_unban $office 77 ''
contains "within 30d"
# A phone allowed from it again (the operator lifted the ban) makes it known.
expect 0 '*' ban remove $office
allow same-ip 805ec0000001 $office
scan $office
self_unban $office 0 "$office unbanned"

# Self-unban turned off: never, and not offered.
config "${base_config[@]}" '[ban]' 'self_unban_max = 0'
scan $office
self_unban $office 77 ''
contains "turned off"
cgi GET /805ec0000001.cfg $office
contains "ask the operator to lift it"
assert '[[ $out != *unban-self* ]]' "self_unban_max = 0: the 403 offers no self-unban"
cgi POST /unban-self $office 805ec0000001
contains "Status: 403"
config "${base_config[@]}"
self_unban $office 0 "$office unbanned"

# ban.self_unban_known is a duration with the bounds of every other.
config '[ban]' 'self_unban_known = "0s"'
expect 78 '' ban list
contains "ban.self_unban_known"
config '[ban]' 'self_unban_known = "36501d"'
expect 78 '' ban list
contains "ban.self_unban_known"
finish
