# SPEC §10: text that came from outside (labels, accounts, user names, CGI
# request paths, a hand-edited record or journal) reaches a terminal, a log
# line or an error message escaped: control characters and invalid UTF-8
# never pass through raw, and a label cannot forge a line of `show` (a
# "state: unlocked" of its own). JSON output stays JSON, with the text intact.
source "$PROVLOCK_TESTLIB"
home=192.0.2.10 away=198.51.100.40 win=203.0.113.9

# clean_json FILE WHAT: every line of FILE is a JSON value, and the bytes hold
# no control character but the newlines that end lines (JSON escapes them;
# DEL and C1 controls are valid JSON text and may stay as they are).
clean_json() {
  if python3 - "$1" <<'PY'; then ok; else bad "$2 is not clean JSON Lines: $(od -c "$1" | head -20)"; fi
import json, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
assert not [c for c in text if ord(c) < 0x20 and c != "\n"]
for line in text.split("\n")[:-1]:
    json.loads(line)
PY
}

# clean FILE WHAT [FORGED]: the bytes of FILE hold no control character but
# the newlines that end lines (no CR, ESC, DEL, C1 control such as U+009B),
# are UTF-8, and no line starts with one of the FORGED field names (a regular
# expression).
clean() {
  if python3 - "$1" "${3:-^$}" <<'PY'; then ok; else bad "$2 is not clean: $(od -c "$1" | head -20)"; fi
import re, sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")  # raises on invalid UTF-8
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
assert not bad, bad
forged = re.compile(sys.argv[2])
for line in text.split("\n"):
    assert sys.argv[2] == "^$" or not forged.match(line), line
PY
}

# run_to NAME ARGS...: runs provlock ARGS with stdout and stderr in
# $tmp/NAME.out and $tmp/NAME.err; sets $rc.
run_to() {
  local name=$1
  shift
  "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  out=$(cat "$tmp/$name.out") err=$(cat "$tmp/$name.err")
}

# Every control character bash can pass in argv (all but NUL), DEL, a C1
# control (U+009B, CSI) and lines that look like show's fields.
controls=$(python3 -c 'import sys; sys.stdout.write("".join(chr(c) for c in range(1, 32)) + "\x7f\u009b\u0085")')
label_forge=$'desk 3\nstate: unlocked\r\x1b[2J\x1b]0;owned\x07\x1b[31mred'
account_forge=$'acme\nbound_ip: 10.0.0.1\x1b[1A\r\x7f'

at 2026-11-20T09:00:00Z
run_to add add 02fe00000001 --label "$label_forge" --account "$account_forge"
assert '[[ $rc == 0 && $out == "02fe00000001 added" ]]' "add with a control-laden label and account"
expect 0 '*' add 02fe00000002 --label "$controls" --account "$controls"
expect 0 '*' add 02fe00000003 --label $'x\xc2\x9b2Jy' # U+009B as UTF-8
expect 0 '*' add 02fe00000004 # no account
# Not UTF-8: refused (65), and the message names the value escaped.
run_to add_bad add 02fe00000005 --label $'\xff\x1b[2J'
assert '[[ $rc == 65 ]]' "a label that is not UTF-8 is refused with 65 (got $rc)"
clean "$tmp/add_bad.err" "add's error message"
for i in 1 2 3 4; do allow first-provision 02fe0000000$i $home; done

# show: one line a field, each field once; nothing raw.
fields='mac state account label user bound_ip last_seen last_ip until unlock registered first_provisioned blocked_at allowed denied'
for i in 1 2 3; do
  run_to show$i show 02fe0000000$i
  assert '[[ $rc == 0 ]]' "show 02fe0000000$i exits 0"
  clean "$tmp/show$i.out" "show 02fe0000000$i"
  keys=$(cut -d: -f1 "$tmp/show$i.out" | tr '\n' ' ')
  assert '[[ $keys == "$fields " ]]' "show 02fe0000000$i prints each field once, in order: $keys"
  assert '[[ $(grep -c "^state: " "$tmp/show$i.out") == 1 ]]' "show 02fe0000000$i has one state line"
  # --json keeps the text exactly.
  run show 02fe0000000$i --json
  assert '[[ $rc == 0 ]]' "show --json 02fe0000000$i exits 0"
done
run show 02fe00000001 --json
got=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.stdout.write(d["label"] + "|" + d["account"])')
assert '[[ $got == "$label_forge|$account_forge" ]]' "show --json keeps the label and account exactly"
grep -q "^label: desk 3\\\\x0astate: unlocked\\\\x0d\\\\x1b\[2J" "$tmp/show1.out" && ok ||
  bad "show prints the label escaped as \\x0a: $(cat "$tmp/show1.out")"
grep -q '^label: x\\xc2\\x9b2Jy$' "$tmp/show3.out" && ok || bad "show escapes U+009B: $(cat "$tmp/show3.out")"

# list: one line a device.
run_to list list
clean "$tmp/list.out" "list" '^(state|bound_ip):'
assert '[[ $(wc -l <"$tmp/list.out") == 5 ]]' "list prints a header and 4 lines"

# Windows and unlock-alls of such accounts.
at 2026-11-20T10:00:00Z
run_to win_open window open $win --hours 2 --account "$account_forge"
assert '[[ $rc == 0 ]]' "window open with a control-laden account exits 0"
clean "$tmp/win_open.out" "window open" '^bound_ip:'
expect 0 '*' window open 203.0.113.10 --hours 2 --account "$controls"
run_to win_list window list
clean "$tmp/win_list.out" "window list" '^bound_ip:'
assert '[[ $(wc -l <"$tmp/win_list.out") == 2 ]]' "window list prints one line a window"
run window list --json
got=$(printf '%s\n' "$out" | python3 -c 'import json,sys; print(sorted(json.loads(l)["account"] for l in sys.stdin) == sorted(sys.argv[1:]))' "$account_forge" "$controls")
assert '[[ $got == True ]]' "window list --json keeps the accounts exactly"
allow window 02fe00000001 $win
deny locked 02fe00000002 $win
run_to unlock_all unlock-all --account "$account_forge" --hours 1
assert '[[ $rc == 0 ]]' "unlock-all with a control-laden account exits 0"
clean "$tmp/unlock_all.out" "unlock-all" '^bound_ip:'
run_to unlock_all2 unlock-all --account "$controls"
clean "$tmp/unlock_all2.out" "unlock-all"
assert '[[ $(wc -l <"$tmp/unlock_all2.out") == 1 ]]' "unlock-all prints one line"
run_to unlock unlock 02fe00000002
clean "$tmp/unlock.out" "unlock"

# ban list: a ban record whose reason was edited by hand.
expect 0 '*' ban add 198.51.100.77 --for 2h
ban_text=$(record 'bans/*/198.51.100.77-32.json' | python3 -c '
import json, sys
r = json.load(sys.stdin)
r["reason"] = "manual\u001b[2J\nstate: unlocked\u009b"
sys.stdout.write(json.dumps(r))')
printf '%s' "$ban_text" | put_record 'bans/*/198.51.100.77-32.json'
run_to ban_list ban list
assert '[[ $rc == 0 ]]' "ban list exits 0"
clean "$tmp/ban_list.out" "ban list" '^state:'
assert '[[ $(wc -l <"$tmp/ban_list.out") == 1 ]]' "ban list prints one line a ban"

# log: the journal holds the accounts of add, window-open and unlock-all.
run_to log log
assert '[[ $rc == 0 ]]' "log exits 0"
clean "$tmp/log.out" "log" '^(state|bound_ip):'
run_to log_json log --json
clean_json "$tmp/log_json.out" "log --json"
python3 - "$tmp/log_json.out" "$account_forge" <<'PY' && ok || bad "log --json lines are JSON and keep the account"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert any(e.get("account") == sys.argv[2] and e["command"] == "unlock-all" for e in entries)
PY

# A journal line written by hand (or by another program), as JSON Lines under
# journal/: escapes for every control character in keys and values, a CGI
# request path and a user name with ESC, raw UTF-8 C1 controls.
journal=$journal_dir/2026-11-20.jsonl
python3 - "$journal" <<'PY'
import json, sys
ctl = "".join(chr(c) for c in range(0, 32)) + "\x7f\u0085\u009b"
entry = {"time": "2026-11-20T11:00:00Z", "command": "check\nstate: x", "mac": "02fe00000001",
         "ip": "192.0.2.10", "decision": "deny", "reason": "no-mac",
         "path": "/cfg/\u001b[2J\r\n" + ctl + ".cfg", "label\u001b": ["x\ny", {"k\r": "\u009b"}],
         "who": {"user": "mallory\u001b]0;root\u0007\nstate: unlocked", "uid": 0}}
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    entry["who"] = {"remote_addr": "192.0.2.66\u001b[K"}
    f.write(json.dumps(entry) + "\n")  # the same, \u escapes for non-ASCII
PY
run_to log2 log
assert '[[ $rc == 0 ]]' "log of hand-written lines exits 0 (got $rc)"
clean "$tmp/log2.out" "log of hand-written lines" '^(state|bound_ip):'
assert 'grep -q "by mallory\\\\x1b\]0;root\\\\x07\\\\x0astate: unlocked" "$tmp/log2.out"' \
  "log prints the user name escaped"
assert 'grep -q "path=/cfg/\\\\x1b\[2J\\\\x0d\\\\x0a" "$tmp/log2.out"' "log prints the path escaped"
run_to log2_mac log 02fe00000001
clean "$tmp/log2_mac.out" "log MAC"
run_to log2_json log --json
clean_json "$tmp/log2_json.out" "log --json of hand-written lines"
python3 - "$tmp/log2_json.out" <<'PY' && ok || bad "log --json keeps the hand-written text exactly"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
users = [e["who"].get("user") for e in entries if e["command"].startswith("check\n")]
assert users[0] == "mallory\u001b]0;root\u0007\nstate: unlocked", users
PY

# A line that is not UTF-8 is not printed, and named escaped.
printf '{"time":"2026-11-20T11:00:01Z","command":"add","label":"\xff\xc2\x9b"}\n' >>"$journal"
printf '\x1b[2J\xff not JSON\n' >>"$journal"
run_to log3 log
assert '[[ $rc == 74 ]]' "log with unreadable lines exits 74 (got $rc)"
clean "$tmp/log3.out" "log with unreadable lines"
clean "$tmp/log3.err" "log's messages about unreadable lines"
assert '[[ $(grep -c "unreadable journal line" "$tmp/log3.err") == 2 ]]' "log names both unreadable lines"
run_to log3_json log --json
assert '[[ $rc == 74 ]]' "log --json with unreadable lines exits 74 (got $rc)"
clean_json "$tmp/log3_json.out" "log --json with unreadable lines"
clean "$tmp/log3_json.err" "log --json's messages about unreadable lines"

# Error messages: outside values are named escaped, on one line.
# fails_cleanly ARGS...: provlock ARGS fails with one escaped line on stderr.
fails_cleanly() {
  local what
  what=$(printf '%q ' "$@")
  run_to err "$@"
  assert '[[ $rc -ge 64 ]]' "provlock $what fails (got $rc)"
  clean "$tmp/err.err" "the error message of provlock $what"
  assert '[[ $(wc -l <"$tmp/err.err") == 1 ]]' "the error of provlock $what is one line"
}
fails_cleanly show $'02fe0000000\x1b'
fails_cleanly log $'x\x1b[2J\xc2\x9b'
fails_cleanly window open $'\x1b[2J\n' --hours 1
fails_cleanly $'sh\x1bow' 02fe00000001
fails_cleanly help $'x\ny\x9b'
fails_cleanly list --state $'x\x1b\n'
fails_cleanly unlock-all --hours $'1\x1b'
fails_cleanly --now $'\x1b[2J' list

# A record that is not UTF-8: the message does not pass its bytes through.
printf '{"format":1,"mac":"02fe00000004","label":"\xff\x1b[2J\xc2\x9b","registered":"2026-11-20T09:00:00Z"}' |
  put_record 'devices/*/02fe00000004.json'
run_to bad_rec show 02fe00000004
assert '[[ $rc == 74 ]]' "show of a record that is not UTF-8 exits 74 (got $rc)"
clean "$tmp/bad_rec.err" "the message about a record that is not UTF-8"
run_to fsck fsck
clean "$tmp/fsck.out" "fsck's findings"
run_to fsck_json fsck --json
clean_json "$tmp/fsck_json.out" "fsck --json"
# A file name (an etcd key) in the store with control characters.
if [[ $backend == directory ]]; then
  touch "$PROVLOCK_STORE/devices/$(printf 'x\x1b[2J\ny\xff')"
else
  printf x | etcdctl_store put "$(store_prefix)/devices/$(printf 'x\x1b[2J\ny\xff')" >/dev/null
fi
run_to fsck2 fsck
clean "$tmp/fsck2.out" "fsck naming a file with control characters" '^y'
run_to fsck2_json fsck --json
clean_json "$tmp/fsck2_json.out" "fsck --json naming a file that is not UTF-8"
assert '[[ $(grep -c . "$tmp/fsck2_json.out") -ge 2 ]]' "fsck --json prints its findings: $(cat "$tmp/fsck2_json.out" "$tmp/fsck2_json.err")"
finish
