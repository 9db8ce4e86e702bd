# IP bans: a scanner banned after its 21st unknown MAC and not before, bans
# running out and escalating, operators banning and unbanning, self-unban
# refused outside CGI, an IPv6 scanner hopping inside one /64, and an office
# behind one NAT rebooting 200 phones never banned.
source "$PROVLOCK_TESTLIB"
scanner=198.51.100.66

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001
for i in $(seq 1 20); do
  at "2026-11-02T09:$(printf %02d $i):00Z"
  deny unknown-device "0000aa0000$(printf %02x $i)" $scanner
done
expect 0 '' ban list
at 2026-11-02T09:21:00Z
deny unknown-device 0000aa0000ff $scanner
expect 0 '*' ban list --json
contains "\"ip\":\"$scanner/32\""
contains '"until":"2026-11-02T10:21:00Z"'
contains '"reason":"auto"'
# Banned from the next request on, whatever the MAC.
at 2026-11-02T09:22:00Z
deny banned 805ec0000001 $scanner
deny banned 0000aa000001 $scanner
# The ban runs out after ban.ban_time (1h).
at 2026-11-02T10:20:59Z
deny banned 805ec0000001 $scanner
at 2026-11-02T10:21:00Z
allow first-provision 805ec0000001 $scanner

# A sliding window: 20 denied fetches spread over more than ban.find_time never ban.
slow=198.51.100.77
for i in $(seq 1 30); do
  at "2026-11-03T$(printf %02d $((i / 2))):$(printf %02d $((i % 2 * 30))):00Z"
  deny unknown-device 0000bb000001 $slow
done
expect 0 '' ban list

# The second ban of an address lasts twice as long.
at 2026-11-04T09:00:00Z
for i in $(seq 1 21); do deny unknown-device 0000cc000001 $scanner; done
expect 0 '*' ban list --json
contains '"until":"2026-11-04T11:00:00Z"'
contains '"times_banned":2'

# Operators ban and unban.
at 2026-11-05T09:00:00Z
expect 0 "192.0.2.99/32 banned until 2026-11-05T11:00:00Z" ban add 192.0.2.99 --for 2h
deny banned 805ec0000001 192.0.2.99
expect 0 "192.0.2.0/24 banned until 2026-11-12T09:00:00Z" ban add 192.0.2.0/24
deny banned 805ec0000001 192.0.2.200
expect 0 "192.0.2.0/24 unbanned" ban remove 192.0.2.0/24
expect 0 "192.0.2.99/32 unbanned" ban remove 192.0.2.99
expect 0 "192.0.2.99/32 was not banned" ban remove 192.0.2.99
deny locked 805ec0000001 192.0.2.99
expect 65 '' ban add 192.0.2.300
expect 64 '' ban add 192.0.2.1 --for forever
expect 0 '*' log 192.0.2.99
contains "ban  192.0.2.99/32  manual"
contains "unban  192.0.2.99/32  manual"

# Self-unban: never outside a CGI request, never for another address.
expect 77 '' ban remove --self
contains "CGI"
expect 64 '' ban remove --self 192.0.2.99
at 2026-11-04T09:30:00Z
GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=192.0.2.1 expect 0 "192.0.2.1 is not banned" ban remove --self
deny banned 805ec0000001 $scanner
for n in 1 2 3; do
  GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=$scanner expect 0 "$scanner unbanned" ban remove --self
  for i in $(seq 1 21); do deny unknown-device 0000cc000001 $scanner; done
done
# A fourth self-unban within 24h is refused.
GATEWAY_INTERFACE=CGI/1.1 REMOTE_ADDR=$scanner expect 77 '' ban remove --self
contains "self-unbans"
deny banned 805ec0000001 $scanner

# An IPv6 scanner hopping inside one /64 is counted and banned as the /64.
at 2026-11-06T09:00:00Z
for i in $(seq 1 21); do deny unknown-device 0000dd000001 "2001:db8:1:2::$(printf %x $i)"; done
deny banned 805ec0000001 2001:db8:1:2:ffff::1
expect 0 '*' add 805ec0000002
allow first-provision 805ec0000002 2001:db8:1:3::1

# An office behind one NAT reboots 200 known phones at once: never banned.
office=203.0.113.10
at 2026-11-07T08:00:00Z
for i in $(seq 1 200); do printf '805ec001%04x\n' $i; done >"$tmp/office"
"$bin" add - <"$tmp/office" >/dev/null
while read -r mac; do "$bin" check "$mac" $office; done <"$tmp/office" | sort | uniq -c >"$tmp/first"
assert 'grep -q "200 allow first-provision" "$tmp/first"' "200 first provisions behind one NAT"
at 2026-11-08T08:00:00Z
while read -r mac; do "$bin" check "$mac" $office; done <"$tmp/office" | sort | uniq -c >"$tmp/reboot"
assert 'grep -q "200 allow same-ip" "$tmp/reboot"' "200 reboots allowed"
expect 0 '' ban list

# ban.count = "all" counts allowed fetches too; ban.ignore is never counted.
config '[ban]' 'count = "all"' 'max_attempts = 5' 'ignore = ["203.0.113.0/24"]'
at 2026-11-09T08:00:00Z
for i in $(seq 1 10); do allow same-ip 805ec0010001 $office; done
expect 0 '' ban list
allow same-ip 805ec0000002 2001:db8:1:3::1
for i in 1 2 3 4 5; do allow same-ip 805ec0000002 2001:db8:1:3::1; done
deny banned 805ec0000002 2001:db8:1:3::1

# expire ends bans and forgets addresses quiet for ban.max_ban_time.
config ''
at 2026-12-01T00:00:00Z
expect 0 '*' expire
contains "forgot"
expect 0 '' ban list
expect 0 "expired: 0 unlocks, 0 unlock-alls, 0 bans, 0 windows; forgot 0 addresses; pruned 0 journal days" expire
finish
