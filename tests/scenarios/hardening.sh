# Hostile values that 0.1.0 wrote but could not read back, dry runs that
# wrote, corruption hidden behind a NUL byte, lost unlock-all ids, configured
# maximums, and the messages that named nothing (issue: hardening).
source "$PROVLOCK_TESTLIB"

phone=001122aabbcc
other=001122aabbcd
at 2026-11-26T12:00:00Z
expect 0 '*' add $phone $other --account acme
allow first-provision $phone 192.0.2.10
snapshot() {
  if [[ $backend == directory ]]; then
    find "$PROVLOCK_STORE" -printf '%p %s %T@\n' | sort
  else
    store_snapshot
  fi
}

# --- Times: every time a command writes is one it can read back (SPEC §2).
before=$(snapshot)
expect 64 '' unlock $phone --for 500000w
contains "would end after 9999-12-31T23:59:59Z"
expect 64 '' ban add 198.51.100.0/24 --for 500000w
expect 64 '' ban add 198.51.100.7 --for 500000w
expect 64 '' unlock $phone --now 9999-12-30T00:00:00Z
contains "lock.unlock_for 1w"
expect 64 '' unlock-all --hours 40 --now 9999-12-31T00:00:00Z
expect 64 '' window open 192.0.2.99 --hours 2 --now 9999-12-31T23:00:00Z
expect 64 '' ban add 192.0.2.200 --now 9999-12-30T00:00:00Z
expect 64 '' check $phone 192.0.2.10 --now @-1
contains "before 1970"
assert '[[ "$(snapshot)" == "$before" ]]' "refused times must leave the store as it was"
allow same-ip $phone 192.0.2.10
expect 0 '*' show $phone

# The latest storable time is written and read back.
expect 0 "$other unlocked until 9999-12-31T23:59:59Z" unlock $other --for 1w --now 9999-12-24T23:59:59Z
field $other until '"9999-12-31T23:59:59Z"'
expect 0 '*' ban add 203.0.113.9 --for 1d --now 9999-12-30T23:59:59Z
expect 0 '*' ban list --now 9999-12-31T00:00:00Z
contains "9999-12-31T23:59:59Z"
expect 0 '*' expire --now 9999-12-31T23:59:59Z

# Configured durations past 100 years are refused, naming key and file.
for key in 'lock.unlock_for = "3000000d"' 'ban.max_ban_time = "3000000d"' 'lock.stale_after = 100000000000'; do
  config "[${key%%.*}]" "${key#*.}"
  expect 78 '' check $phone 192.0.2.10
  contains "${key%% *}"
  contains "$PROVLOCK_CONFIG"
done
config '[lock]' 'unlock_for = "36500d"'
expect 0 '*' unlock $other
# A check whose automatic ban would outlast year 9999 bans until then.
config '[ban]' 'max_attempts = 1' 'ban_time = "36500d"' 'max_ban_time = "36500d"'
deny unknown-device 0011220000aa 198.51.100.50 --now 9999-12-31T00:00:00Z
deny unknown-device 0011220000aa 198.51.100.50 --now 9999-12-31T00:00:01Z
deny banned 0011220000aa 198.51.100.50 --now 9999-12-31T00:00:02Z
expect 0 '*' ban list --now 9999-12-31T00:00:02Z
contains "198.51.100.50"
contains "9999-12-31T23:59:59Z"
config

# --- Config values that were accepted and then broke.
config 'store = ""'
expect 78 '' list
contains "store"
config '[store]' 'path = ""'
expect 78 '' list
contains "store.path"
config '[cgi]' 'root = "/srv/prov\u0000isioning"'
expect 78 '' list
contains "cgi.root"
contains "NUL"
config

# --- Configured maximums: a record holds each count at its maximum.
config '[ban]' 'max_attempts = 1001'
expect 78 '' list
contains "ban.max_attempts"
config '[suspicious]' 'max_foreign = 1001'
expect 78 '' list
config '[ban]' 'max_attempts = 1000' 'count = "all"' 'find_time = "1d"'
at 2026-11-27T00:00:00Z
# 1000 counted fetches from the phone's own address: all allowed.
for i in $(seq 1000); do echo "$phone 192.0.2.10"; done >"$tmp/batch"
run check --batch --now @1764201600 <"$tmp/batch"
assert '[[ $rc == 0 && $(grep -c "^allow same-ip$" <<<"$out") == 1000 ]]' "1000 counted fetches are allowed"
# The 1001st crosses the limit; the address record at its maximum reads back.
allow same-ip $phone 192.0.2.10 --now @1764202600
deny banned $phone 192.0.2.10 --now @1764202601
expect 0 '*' ban list --now @1764202601
contains "192.0.2.10"
size=$(record 'bans/*/192.0.2.10-32.json' | wc -c)
assert '[[ $size -lt 65536 ]]' "an address record at ban.max_attempts stays small ($size bytes)"
expect 0 "*" ban remove 192.0.2.10
config

# --- Dry runs write nothing: not a folder, not a lock file.
store_wipe
at 2026-11-26T12:00:00Z
expect 0 '*' add $phone
[[ $backend == directory ]] && rm -rf "$PROVLOCK_STORE/meta" "$PROVLOCK_STORE/ban" "$PROVLOCK_STORE/window"
before=$(snapshot)
expect 0 '*' expire --dry-run --now 2027-06-01T00:00:00Z
assert '[[ "$(snapshot)" == "$before" ]]' "expire --dry-run must not create or change anything"
expect 1 'deny unknown-device' check 0011220000ff 192.0.2.1 --dry-run
assert '[[ "$(snapshot)" == "$before" ]]' "check --dry-run must not create or change anything"

# --- A NUL byte does not hide corruption.
allow first-provision $phone 192.0.2.10
if [[ $backend == directory ]]; then
  file=$(find "$PROVLOCK_STORE/devices" -name "$phone.json")
  printf '\0garbage' >>"$file"
else
  file=etcd:$(etcd_key_of "devices/$phone.json")
  { record "devices/$phone.json"; printf '\0garbage'; } | put_record "devices/$phone.json"
fi
expect 74 'deny store-error' check $phone 192.0.2.10
run fsck
assert '[[ $rc == 74 ]]' "fsck exits 74 on a record with a NUL byte"
contains "NUL byte"
contains "bad-record: $file: unreadable record: NUL byte at offset"
expect 74 '' show $phone
expect 0 '*' fsck --repair
expect 66 '' show $phone

# --- unlock-all ids never repeat, even after the rules record was lost.
store_wipe
expect 0 '*' add $phone $other
expect 0 '*' unlock-all
allow unlock-all $phone 192.0.2.10
expect 0 '*' unlock-all
allow unlock-all $phone 192.0.2.11
drop_record meta/rules.json
printf 'garbage' | put_record meta/rules.json
expect 74 '' unlock-all
expect 0 '*' fsck --repair
contains "carries its ids on"
expect 0 '*' unlock-all
contains "unlock-all 3:"
allow unlock-all $phone 192.0.2.12
# The same after the record is simply gone, and for a range ban made first.
drop_record meta/rules.json
expect 0 '*' ban add 198.51.100.0/24
expect 0 '*' unlock-all
contains "unlock-all 4:"
allow unlock-all $phone 192.0.2.13

# --- The CGI front after global options; a query's words are never argv.
cgi_env=(env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/nothing-here.cfg
  REMOTE_ADDR=192.0.2.77 SERVER_PROTOCOL=HTTP/1.1)
other_store=$(other_store other-store)
out=$("${cgi_env[@]}" "$bin" --store "$other_store" cgi </dev/null 2>"$tmp/stderr")
err=$(cat "$tmp/stderr")
contains "Status: 404"
# (An etcd store's journal is journal.dir's, the same for every store.)
[[ $backend == directory ]] && assert '[[ -d $other_store/journal ]]' "'provlock --store DIR cgi' journals to DIR"
out=$("${cgi_env[@]}" "$bin" "--store=$other_store" cgi extra words </dev/null 2>"$tmp/stderr")
contains "Status: 404"
# RFC 3875 §4.4: a query without '=' may reach argv as words; they are the
# client's. A binary served as CGI with "?unlock-all" must not unlock all.
before=$(snapshot)
out=$("${cgi_env[@]}" QUERY_STRING=unlock-all "$bin" unlock-all </dev/null 2>"$tmp/stderr")
rc=$?
assert '[[ $rc == 64 && "$(snapshot)" == "$before" ]]' "a query's words are not a command (rc $rc)"
query_store=$tmp/query-store # a path of this test's own: nothing else makes it
out=$("${cgi_env[@]}" QUERY_STRING="--store+${query_store//\//%2F}+cgi" "$bin" --store "$other_store" cgi --store "$query_store" cgi </dev/null 2>"$tmp/stderr")
assert '[[ ! -e $query_store ]]' "a query's --store is not read"
expect 0 '*' unlock-all
contains "unlock-all 5:"

# --- Messages.
expect 65 '' check '' 192.0.2.1
expect 65 '' check $phone ''
expect 65 '' show ''
expect 65 '' unlock ''

finish
