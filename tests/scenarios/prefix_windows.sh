# Prefix windows (SPEC §6): an office whose phones come back from somewhere
# in a /24, an IPv6 site whose addresses change within their /64, the limits
# on how wide a window may be, and windows that provlock 0.1 wrote.
source "$PROVLOCK_TESTLIB"
acme=$(printf '805ec000%04x\n' 1 2 3 4 5)
v6phone=805ec0000006 other=000b82000001

# The store, as a sum of every record's (file's) name and contents.
snapshot() { store_snapshot; }

at 2026-11-02T09:00:00Z
expect 0 '*' add $acme --account acme
expect 0 '*' add $v6phone --account acme
expect 0 '*' add $other --account other
for m in $acme; do allow first-provision $m 203.0.113.10; done
allow first-provision $v6phone 2001:db8:1::5
allow first-provision $other 203.0.113.20

# --- Too wide, or not a prefix at all: refused, nothing written. -----------
at 2026-11-09T09:00:00Z
expect 0 '*' window list
snapshot >"$tmp/before"
expect 64 '' window open 198.51.100.0/15 --hours 2
contains "'198.51.100.0/15'"
contains "IPv4 /16 to /32, IPv6 /32 to /128"
assert '[[ $(printf "%s\n" "$err" | wc -l) == 1 && $err == "provlock: "* ]]' "one error line: $err"
expect 64 '' window open 0.0.0.0/0 --hours 2
expect 64 '' window open 2001:db8::/31 --hours 2
contains "'2001:db8::/31'"
expect 65 '' window open 198.51.100.0/33 --hours 2
contains "'198.51.100.0/33'"
expect 65 '' window open 198.51.100.0/024 --hours 2
expect 65 '' window open 198.51.100 --hours 2
expect 65 '' window open '' --hours 2
expect 65 '' window close 198.51.100.0/33
expect 64 '' window close 10.0.0.0/8
expect 64 '' window open 198.51.100.0/24 --hours 41
expect 64 '' window open 198.51.100.0/24 --hours 0
snapshot >"$tmp/after"
assert 'cmp -s "$tmp/before" "$tmp/after"' "refused windows wrote nothing: $(diff "$tmp/before" "$tmp/after")"

# --- The office comes back from somewhere in 198.51.100.0/24. --------------
deny locked 805ec0000001 198.51.100.77
expect 0 "window open for 198.51.100.0/24 until 2026-11-09T11:00:00Z (account acme)" \
  window open 198.51.100.0/24 --hours 2 --account acme
assert 'has_record windows/198.51.100.0-24.json' "the window's record is named by its prefix"
# A dry run answers as the check would, and writes nothing.
snapshot >"$tmp/before"
allow window 805ec0000001 198.51.100.77 --dry-run
snapshot >"$tmp/after"
assert 'cmp -s "$tmp/before" "$tmp/after"' "check --dry-run wrote nothing"
field 805ec0000001 bound_ip '"203.0.113.10"'
# Any address of the /24, any phone of the scope; each re-bound to where it
# fetched from.
allow window 805ec0000001 198.51.100.77
field 805ec0000001 bound_ip '"198.51.100.77"'
field 805ec0000001 state '"locked"'
allow window 805ec0000002 198.51.100.0
allow window 805ec0000003 198.51.100.255
field 805ec0000003 bound_ip '"198.51.100.255"'
deny locked 805ec0000004 198.51.101.1
deny locked $other 198.51.100.77
# Once the window is closed, the phone is locked to its new address, not to
# the /24.
expect 0 "window for 198.51.100.0/24 closed" window close 198.51.100.0/24
deny locked 805ec0000001 198.51.100.78
allow same-ip 805ec0000001 198.51.100.77

# Host bits are cleared, as `ban add` clears them: the output says what opened.
expect 0 "window open for 198.51.100.0/24 until 2026-11-09T10:00:00Z" \
  window open 198.51.100.77/24 --hours 1
# A window of one address within it is a window of its own.
expect 0 "window open for 198.51.100.9 until 2026-11-09T12:00:00Z (account other)" \
  window open 198.51.100.9/32 --hours 3 --account other
expect 0 "window open for 2001:db8:2::/64 until 2026-11-09T10:00:00Z" \
  window open 2001:db8:2::1 --hours 1
assert 'has_record windows/2001_db8_2__-64.json' "the IPv6 window is its /64's"

# --- window list shows each window by the name window close takes. --------
run window list
printf '%s\n' "$out" | sort >"$tmp/list"
printf '%s\n' "198.51.100.0/24  until 2026-11-09T10:00:00Z  all accounts" \
  "198.51.100.9  until 2026-11-09T12:00:00Z  account other" \
  "2001:db8:2::/64  until 2026-11-09T10:00:00Z  all accounts" | sort >"$tmp/want"
assert '[[ $rc == 0 ]] && cmp -s "$tmp/list" "$tmp/want"' "window list: $out"
assert '[[ $(record_keys windows | tr "\n" " ") == "198.51.100.0-24 198.51.100.9 2001_db8_2__-64 " ]]' \
  "one record a window, named by its prefix: $(record_keys windows)"
run window list --json
assert '[[ $rc == 0 ]] && printf "%s\n" "$out" | python3 -c "
import json, sys
rows = sorted((json.loads(l) for l in sys.stdin), key=lambda r: r[\"prefix\"])
want = [
  {\"ip\": \"198.51.100.0/24\", \"prefix\": \"198.51.100.0/24\", \"account\": None,
   \"opened\": \"2026-11-09T09:00:00Z\", \"until\": \"2026-11-09T10:00:00Z\"},
  {\"ip\": \"198.51.100.9\", \"prefix\": \"198.51.100.9/32\", \"account\": \"other\",
   \"opened\": \"2026-11-09T09:00:00Z\", \"until\": \"2026-11-09T12:00:00Z\"},
  {\"ip\": \"2001:db8:2::/64\", \"prefix\": \"2001:db8:2::/64\", \"account\": None,
   \"opened\": \"2026-11-09T09:00:00Z\", \"until\": \"2026-11-09T10:00:00Z\"},
]
assert rows == want, rows
"' "window list --json: $out"
expect 0 '{"ip":"198.51.100.0/24","prefix":"198.51.100.0/24","account":null,"opened":"2026-11-09T09:00:00Z","until":"2026-11-09T10:00:00Z"}' \
  window open 198.51.100.0/24 --hours 1 --json

# Windows add up: the other account's /32 does not keep acme out of the /24.
allow window 805ec0000004 198.51.100.9
allow window $other 198.51.100.9
field $other bound_ip '"198.51.100.9"'

# --- IPv6: the window of one address is its /64, as binding treats it. -----
deny locked $v6phone 2001:db8:3::1
allow window $v6phone 2001:db8:2::abcd:1
field $v6phone bound_ip '"2001:db8:2::abcd:1"'
run log 2001:db8:2::abcd:1
contains "window-open  2001:db8:2::/64"
contains "check  805ec0000006  2001:db8:2::abcd:1  allow  window"
expect 0 "window for 2001:db8:2::/64 closed" window close 2001:db8:2::1
expect 0 "window for 2001:db8:2::/64 was not open" window close 2001:db8:2::1

# At `until` the /24 has run out, to the second; the /32 has not.
at 2026-11-09T09:59:59Z
allow window 805ec0000005 198.51.100.50
at 2026-11-09T10:00:00Z
deny locked 805ec0000004 198.51.100.50
expect 0 "198.51.100.9  until 2026-11-09T12:00:00Z  account other" window list
expect 0 "expired: 0 unlocks, 0 unlock-alls, 0 bans, 1 windows; forgot 0 addresses; pruned 0 journal days" expire
assert '! has_record windows/198.51.100.0-24.json' "expire removed the ran-out /24"
expect 0 "window for 198.51.100.9 closed" window close 198.51.100.9

# --- Windows that provlock 0.1 wrote: one address each, as they meant. -----
put_record windows/2001_db8_4__1.json <<'EOF'
{"account":"","format":1,"ip":"2001:db8:4::1","opened":"2026-11-09T09:00:00Z","until":"2026-11-09T13:00:00Z"}
EOF
put_record windows/192.0.2.200.json <<'EOF'
{"account":"acme","format":1,"ip":"192.0.2.200","opened":"2026-11-09T09:00:00Z","until":"2026-11-09T13:00:00Z"}
EOF
expect 0 '*' window list --json
assert 'printf "%s\n" "$out" | grep -qxF "{\"ip\":\"2001:db8:4::1/128\",\"prefix\":\"2001:db8:4::1/128\",\"account\":null,\"opened\":\"2026-11-09T09:00:00Z\",\"until\":\"2026-11-09T13:00:00Z\"}"' \
  "the 0.1 IPv6 window lists as its one address: $out"
assert 'printf "%s\n" "$out" | grep -qxF "{\"ip\":\"192.0.2.200\",\"prefix\":\"192.0.2.200/32\",\"account\":\"acme\",\"opened\":\"2026-11-09T09:00:00Z\",\"until\":\"2026-11-09T13:00:00Z\"}"' \
  "the 0.1 IPv4 window lists as its one address: $out"
deny locked $v6phone 2001:db8:4::abcd:1
allow window $v6phone 2001:db8:4::1
allow window 805ec0000002 192.0.2.200
deny locked $other 192.0.2.200
# Opened again, the window of one IPv4 address keeps 0.1's record form.
expect 0 '*' window open 192.0.2.200 --hours 2 --account acme
assert '[[ $(record windows/192.0.2.200.json) == *"\"format\":1"*"\"ip\":\"192.0.2.200\""* ]]' \
  "a window of one IPv4 address is written as 0.1 wrote it: $(record windows/192.0.2.200.json)"
# `window close` of the address closes 0.1's window of it (there is no /64's).
expect 0 "window for 2001:db8:4::1/128 closed" window close 2001:db8:4::1
assert '! has_record windows/2001_db8_4__1.json' "the 0.1 record is gone"
expect 0 "window for 192.0.2.200 closed" window close 192.0.2.200
expect 0 '' window list

# A prefix window is written in a format 0.1 refuses rather than reads as
# one address.
expect 0 '*' window open 198.51.100.0/25 --hours 1
assert '[[ $(record windows/198.51.100.0-25.json) == *"\"format\":3"*"\"prefix\":\"198.51.100.0/25\""* ]]' \
  "a prefix window is format 3: $(record windows/198.51.100.0-25.json)"
expect 0 '*' fsck
contains "0 findings"
finish
