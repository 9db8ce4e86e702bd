# check --batch gives the same decisions, in order, as one-shot checks of the
# same random workload on an identical store; bad lines answer deny bad-input.
source "$PROVLOCK_TESTLIB"
for i in $(seq 1 30); do printf '805ec000%04x\n' "$i"; done >"$tmp/macs"
# The same store twice: the one-shot checks' and the batch's.
setup() {
  at 2026-11-20T12:00:00Z
  "$bin" add - <"$tmp/macs" >/dev/null
  at 2026-11-26T12:00:00Z
  expect 0 '*' unlock 805ec0000003 805ec0000004 --for 1h
  expect 0 '*' window open 192.0.2.9 --hours 2
  expect 0 '*' ban add 198.51.100.0/28
}
store_batch=$(other_store store-batch)
setup
PROVLOCK_STORE=$store_batch setup
assert '[[ "$("$bin" list --json)" == "$(PROVLOCK_STORE=$store_batch "$bin" list --json)" ]]' \
  "same device records before both runs"

# 600 requests: known and unknown MACs, a handful of addresses (some banned,
# one with a window), some authenticated.
python3 - "$tmp/macs" >"$tmp/requests" <<'PY'
import random, sys
random.seed(7)
macs = open(sys.argv[1]).read().split() + ["805ec000ffff", "0200deadbeef"]
ips = ["192.0.2.%d" % i for i in range(1, 10)] + ["198.51.100.5", "2001:db8::1", "2001:db8::2"]
for _ in range(600):
    line = "%s %s" % (random.choice(macs), random.choice(ips))
    if random.random() < 0.1:
        line += " authenticated"
    print(line)
PY
while read -r mac ip auth; do
  "$bin" check "$mac" "$ip" ${auth:+--authenticated}
done <"$tmp/requests" >"$tmp/one-shot"
PROVLOCK_STORE=$store_batch "$bin" check --batch <"$tmp/requests" >"$tmp/batch"
rc=$?
assert '[[ $rc == 0 ]]' "check --batch exits 0"
assert '[[ $(wc -l <"$tmp/batch") == 600 ]]' "600 answers"
assert 'cmp -s "$tmp/one-shot" "$tmp/batch"' "batch answers equal one-shot answers"
assert 'grep -q "allow first-provision" "$tmp/batch" && grep -q "deny banned" "$tmp/batch" && grep -q "allow window" "$tmp/batch" && grep -q "deny locked" "$tmp/batch"' \
  "the workload reaches several rules"
# The two stores end up with the same devices.
assert '[[ "$("$bin" list --json)" == "$(PROVLOCK_STORE=$store_batch "$bin" list --json)" ]]' \
  "same device records after both runs"

# Bad lines are answered, not skipped, so a RewriteMap stays in step.
"$bin" add 805ec0000999 >/dev/null
out=$(printf 'nonsense\n805ec0000999 203.0.113.7\n805ec0000999 999.1.1.1\n805ec0000999 203.0.113.7 extra\n' |
  "$bin" check --batch)
assert '[[ $out == "deny bad-input
allow first-provision
deny bad-input
deny bad-input" ]]' "bad lines answer deny bad-input in order (got: $out)"
expect 64 '' check --batch 805ec0000001
finish
