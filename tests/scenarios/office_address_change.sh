# What counts toward a ban (SPEC §5, ban.count): an office of 25 phones whose
# ISP changed its address asks with its own phones' MACs. Every phone is
# denied locked, but the new address is never banned for it ("scans", the
# default, counts only the denials that look like scanning), and a window
# lets them all in. A scanner of unknown MACs from that same address is
# still banned at its 21st. "denied" and "all" count as before.
source "$PROVLOCK_TESTLIB"
office=192.0.2.10 moved=192.0.2.99

at 2026-11-02T09:00:00Z
for i in $(seq 1 25); do printf '805ec000%04x\n' $i; done >"$tmp/phones"
"$bin" add - --account acme <"$tmp/phones" >/dev/null
while read -r mac; do "$bin" check "$mac" $office; done <"$tmp/phones" | sort | uniq -c >"$tmp/first"
assert 'grep -q "25 allow first-provision" "$tmp/first"' "25 phones bound to $office"

# The ISP changes the office's address: every phone is denied locked, the
# 22nd to 25th too (not banned), and nothing is banned.
at 2026-11-03T08:00:00Z
while read -r mac; do deny locked "$mac" $moved; done <"$tmp/phones"
expect 0 '' ban list
# Each phone saw one foreign address: none is blocked.
field 805ec0000019 state '"locked"'

# The operator opens a window: every phone is allowed and re-bound.
expect 0 '*' window open $moved --hours 1
while read -r mac; do allow window "$mac" $moved; done <"$tmp/phones"
field 805ec0000019 bound_ip "\"$moved\""
expect 0 '*' window close $moved
while read -r mac; do allow same-ip "$mac" $moved; done <"$tmp/phones"

# A scanner of unknown MACs from that same address is banned at the 21st,
# and its 22nd request is denied banned, whatever it asks for.
at 2026-11-03T10:00:00Z
for i in $(seq 1 21); do deny unknown-device "0000aa0000$(printf %02x $i)" $moved; done
deny banned 0000aa000099 $moved
deny banned 805ec0000001 $moved
expect 0 '*' ban list --json
contains "\"ip\":\"$moved/32\""

# ban.count = "denied": every denial counts, so an office's own phones
# asking from a new address ban it at the 21st (the behaviour of version 1).
config '[ban]' 'count = "denied"'
at 2026-11-04T08:00:00Z
other=198.51.100.40
head -21 "$tmp/phones" | while read -r mac; do "$bin" check "$mac" $other >/dev/null; done
deny banned 805ec0000016 $other
expect 0 '*' ban list
contains "$other/32"

# ban.count = "all": allowed fetches count too.
config '[ban]' 'count = "all"' 'max_attempts = 5'
at 2026-11-05T08:00:00Z
for i in 1 2 3 4 5 6; do allow same-ip 805ec0000001 $moved; done
deny banned 805ec0000001 $moved

# A bad value names the key and exits 78; nothing is decided.
config '[ban]' 'count = "locked"'
expect 78 '' check 805ec0000001 $moved
contains "ban.count"
contains '"scans", "denied", "all"'
finish
