# An office's first provisioning and daily polling; a stranger refused.
source "$PROVLOCK_TESTLIB"
office=203.0.113.10

at 2026-11-02T09:00:00Z
expect 0 '*' add 805ec0000001 805ec0000002 805ec0000003 --account acme
at 2026-11-02T09:05:00Z
for m in 805ec0000001 805ec0000002 805ec0000003; do allow first-provision $m $office; done
field 805ec0000001 state '"locked"'
field 805ec0000001 bound_ip "\"$office\""
field 805ec0000001 first_provisioned '"2026-11-02T09:05:00Z"'

for day in 03 04 05 06 07 08 09 10 11 12; do
  at 2026-11-${day}T03:00:00Z
  for m in 805ec0000001 805ec0000002 805ec0000003; do allow same-ip $m $office; done
done
field 805ec0000002 allowed 11
field 805ec0000002 last_seen '"2026-11-12T03:00:00Z"'

# Someone else asks for a phone's file: refused and remembered.
at 2026-11-12T04:00:00Z
deny locked 805ec0000001 198.51.100.66
field 805ec0000001 denied 1
field 805ec0000001 last_ip '"198.51.100.66"'
field 805ec0000001 bound_ip "\"$office\""
allow same-ip 805ec0000001 $office

# An unknown MAC is refused, and a dry run writes nothing.
deny unknown-device 805ec00000ff $office
before=$({ store_snapshot; cat "$journal_dir"/*; } | md5sum)
deny locked 805ec0000002 198.51.100.66 --dry-run
allow same-ip 805ec0000002 $office --dry-run
assert '[[ $({ store_snapshot; cat "$journal_dir"/*; } | md5sum) == "$before" ]]' \
  "--dry-run wrote nothing"

# --json carries the decision and the device.
expect 1 '*' check 805ec0000003 198.51.100.66 --json
assert 'printf "%s" "$out" | python3 -c "
import json,sys; j=json.load(sys.stdin)
assert j[\"decision\"]==\"deny\" and j[\"reason\"]==\"locked\" and j[\"mac\"]==\"805ec0000003\"
assert j[\"ip\"]==\"198.51.100.66\" and j[\"state\"]==\"locked\" and j[\"bound_ip\"]==\"203.0.113.10\"
"' "check --json fields"

# The journal holds every decision with who made it.
expect 0 '*' log 805ec0000001 --json
assert '[[ $(printf "%s\n" "$out" | grep -c "\"command\":\"check\"") == 13 ]]' "13 checks journalled for the phone"
contains '"uid"'
expect 0 '*' log 198.51.100.66
assert '[[ $(printf "%s\n" "$out" | wc -l) == 2 ]]' "log by IP finds the two stranger fetches"
expect 0 '*' log --since 2026-11-12T00:00:00Z --json
assert '[[ $(printf "%s\n" "$out" | wc -l) == 7 ]]' "log --since"

# Polling writes only bookkeeping, which goes to the recent versions
# (<mac>.recent) without a flush; expire (cron) folds them into the record
# files and flushes them, and nothing a reader sees changes. (An etcd store
# has no recent versions: every write is durable, and there is nothing to
# fold.)
if [[ $backend == directory ]]; then
  assert '[[ -n $(find "$PROVLOCK_STORE" -name "*.recent") ]]' "polling left recent versions"
  folded='[1-9]*'
else
  folded=0
fi
expect 0 '*' list --json
listed=$out
expect 0 '*' --json expire --dry-run
assert '[[ $out == *"\"folded\":"$folded[,}]* ]]' "expire --dry-run counts recent versions to fold ($out)"
[[ $backend == directory ]] && assert '[[ -n $(find "$PROVLOCK_STORE" -name "*.recent") ]]' "--dry-run folds nothing"
expect 0 '*' --json expire
assert '[[ $out == *"\"folded\":"$folded[,}]* ]]' "expire folds them ($out)"
[[ $backend == directory ]] && assert '[[ -z $(find "$PROVLOCK_STORE" -name "*.recent" -o -name ".tmp.*") ]]' "no recent version or temporary file is left"
expect 0 '*' list --json
assert '[[ $out == "$listed" ]]' "list shows the same after folding"
allow same-ip 805ec0000001 $office

# Bad input is refused before anything is decided.
expect 65 '' check 805ec0000001 203.0.113.999
contains "'203.0.113.999'"
expect 65 '' check 805ec0000001 fe80::1%eth0
expect 65 '' check nonsense $office
finish
