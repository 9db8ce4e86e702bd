# list prints each device exactly as show does: `list --json` writes its JSON
# text without building a JSON object (cli/common.cpp append_json), so every
# line must equal, byte for byte, what show --json prints through nlohmann
# and what Python re-serialises; the table's cells match show's fields.
# Labels and accounts hold quotes, backslashes, tabs, control characters and
# UTF-8; devices are in every state.
source "$PROVLOCK_TESTLIB"
at 2026-11-20T12:00:00Z
labels=($'desk "3"' $'back\\slash' $'tab\there' $'bell\x01\x1f' $'del\x7f' 'Zürich 東京' '' '-'
  $'two\nlines')
i=0
for label in "${labels[@]}"; do
  i=$((i + 1))
  expect 0 '*' add "$(printf '02fe000000%02x' "$i")" --label "$label" --account "acct $label"
done
expect 0 '*' add 02fe000000a1 02fe000000a2 02fe000000a3 02fe000000a4
expect 0 '*' check 02fe000000a1 192.0.2.1
expect 0 '*' check 02fe000000a1 192.0.2.1
expect 0 '*' check 02fe000000a2 2001:db8::7
expect 0 '*' unlock 02fe000000a2 --for 2h
at 2026-11-26T12:00:00Z
expect 0 '*' unlock-all --hours 1
expect 0 '*' add 02fe000000a5 --label late

for round in first second; do # the second list reads the snapshots
  run list --json
  assert '[[ $rc == 0 ]]' "list --json ($round) exits 0"
  lines=$out
  n=$(printf '%s\n' "$lines" | wc -l)
  assert '[[ $n == 14 ]]' "list --json ($round) prints 14 devices, not $n"
  while IFS= read -r line; do
    mac=$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mac"])')
    run show "$mac" --json
    assert '[[ $out == "$line" ]]' "list --json line of $mac is not show --json: $line vs $out"
    again=$(printf '%s' "$line" | python3 -c '
import json, sys
sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), ensure_ascii=False, separators=(",", ":")))')
    assert '[[ $again == "$line" ]]' "Python writes $mac differently: $again"
  done <<<"$lines"

  # The table: one line per device, cells as show's fields ("-" for none,
  # control characters escaped as \x0a).
  run list
  printf '%s\n' "$lines" >"$tmp/json"
  printf '%s\n' "$out" >"$tmp/table"
  assert 'python3 - "$tmp/json" "$tmp/table" <<"PY"
import json, sys
# Columns are padded to the widest cell in bytes, as before.
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
table = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
cols = ["mac", "state", "account", "bound_ip", "last_seen", "until", "label"]
head = table[0].split()
assert head == [c.upper().encode() for c in cols], head
assert len(table) == len(rows) + 1, (len(table), len(rows))
starts = [table[0].index(c.upper().encode()) for c in cols]
for r, line in zip(rows, table[1:]):
    for k, c in enumerate(cols):
        end = starts[k + 1] if k + 1 < len(cols) else len(line)
        want = r[c] if r[c] not in (None, "") else "-"
        want = "".join("\\x%02x" % ord(ch) if ord(ch) < 0x20 or ord(ch) == 0x7f else ch
                       for ch in str(want))
        got = line[starts[k]:end]
        assert got.rstrip(b" ") == want.encode().rstrip(b" "), (c, got, want)
        assert k + 1 == len(cols) or got.endswith(b"  "), (c, got)
PY' "table ($round) matches the JSON fields column by column"
done

# Many devices: printed in blocks by two threads, and still in MAC order,
# each once, the table row for row with the JSON lines.
python3 -c '
for i in range(10000): print("02%010x" % (i * 2654435761 % (1 << 40)))' >"$tmp/macs"
expect 0 '*' add - <"$tmp/macs"
for round in first second; do
  "$bin" list --json >"$tmp/json" && "$bin" list >"$tmp/table"
  assert 'python3 - "$tmp/json" "$tmp/table" "$tmp/macs" <<"PY"
import json, sys
macs = [json.loads(l)["mac"] for l in open(sys.argv[1])]
table = [l.split()[0] for l in open(sys.argv[2])][1:]
want = sorted(set(l.strip() for l in open(sys.argv[3])) | {"02fe0000%04x" % i for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5)})
assert macs == want, (len(macs), len(want))
assert table == want, (len(table), len(want))
PY' "list of 10,014 devices ($round) is in MAC order, each once, table as JSON"
done
finish
