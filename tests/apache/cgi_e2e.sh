#!/usr/bin/env bash
# End-to-end: provlock as a CGI program under a real Apache 2.4, configured by
# contrib/apache/provlock.conf exactly as shipped, fetched by curl from several
# loopback addresses as phones would. Needs root: it installs apache2 and curl
# when missing, and Apache must start as root to run the CGI as www-data.
#
# Usage: cgi_e2e.sh PROVLOCK_BINARY
# Prints one line per check and exits non-zero if any failed.
set -u -o pipefail

bin=${1:?usage: cgi_e2e.sh PROVLOCK_BINARY}
bin=$(realpath "$bin")
here=$(cd "$(dirname "$0")" && pwd)
snippet=$(realpath "$here/../../contrib/apache/provlock.conf") || exit 1

# shellcheck source=../lib/servers.bash
source "$here/../lib/servers.bash"
need_root "the Apache test needs root (apt-get, and Apache's User www-data)"

# --- Apache and curl, from Debian ---------------------------------------------
need apache2=apache2 htpasswd=apache2-utils curl=curl || exit 1
modules=$apache_modules

# --- A private Apache in a temporary directory ---------------------------------
t=$(mktemp -d /tmp/provlock-apache.XXXXXX)
chmod 755 "$t"
cleanup() {
  local rc=$?
  stop_apache
  print_log_if_failed Apache "$t/apache/error.log" "$rc"
  rm -rf "$t"
}
cleanup_on_exit cleanup

mkdir -p "$t/bin" "$t/root/gs" "$t/htdocs" "$t/apache"
# A copy the www-data user can surely run, named so that it acts as `provlock cgi`.
install -m 755 "$bin" "$t/bin/provlock.cgi"
install -d -m 2775 -g www-data "$t/store"

cat >"$t/provlock.toml" <<EOF
store = "$t/store"
[cgi]
root = "$t/root"
[ban]
max_attempts = 3
EOF
export PROVLOCK_CONFIG=$t/provlock.toml
unset PROVLOCK_STORE PROVLOCK_NOW

# Phones and their files. The secret lies outside cgi.root, under names that
# pass the check (a public name, a device's name) so that a traversal that
# got through would reach it; no response may ever carry it.
yealink=0015654aa937 gs=000b828aa872 polycom=0004f2000001 spa=0002fdff2103 linked=0015650000aa
broken=0015650000bb
# Issue 16: a victim whose files come in shapes the patterns may not know,
# an attacker's own (new) phone, and devices for the 404 rules.
victim=001122aabbcc attacker=0015650000cc fresh=0015650000dd unl=0015650000ee
unknown=0015650000ff
known=0015650000a1 # provisioned from 127.0.0.15, which is then a known address
secret="secret-$RANDOM$RANDOM-never-served"
for f in secret.txt outside.bin "$yealink.cfg" root/.hidden.bin; do echo "$secret" >"$t/$f"; done
echo "yealink config of $yealink" >"$t/root/$yealink.cfg"
echo "<gs>grandstream settings</gs>" >"$t/root/gs/settings.xml"
echo "polycom config of $polycom" >"$t/root/$polycom.cfg"
echo "<spa>$spa</spa>" >"$t/root/spa$spa.xml"
echo "yealink common config" >"$t/root/y000000000028.cfg"
echo "broken device" >"$t/root/$broken.cfg"
mkdir -p "$t/root/phones/$victim"
for f in "spa$victim.cfg" "$victim-web.cfg" "$victim-notes.txt" "xa$victim.cfg" "phones/$victim/x.cfg"; do
  echo "victim's $f" >"$t/root/$f"
done
echo "fresh config" >"$t/root/$fresh.cfg"
echo "unl config" >"$t/root/$unl.cfg"
echo "known config" >"$t/root/$known.cfg"
echo "unknown device's file" >"$t/root/$unknown-notes.txt"
ln -s "$t/secret.txt" "$t/root/$linked.cfg"        # a device file that is a link
ln -s ../outside.bin "$t/root/firmware.bin"          # a public file that is a link
ln -s "$t" "$t/root/up"                              # a directory link out of the root
chmod -R a+rX "$t"
"$bin" add "$yealink" "$gs" "$spa" "$linked" "$broken" "$victim" "$attacker" "$fresh" \
  "$unl" "$known" >/dev/null ||
  { echo "FAIL: provlock add" >&2; exit 1; }
# The Polycom's own HTTP user name is phone1; the Yealink's is its MAC.
"$bin" add "$polycom" --user phone1 >/dev/null || { echo "FAIL: provlock add --user" >&2; exit 1; }

htpasswd -bc "$t/apache/htpasswd" phone1 secret1 2>/dev/null
htpasswd -b "$t/apache/htpasswd" "$yealink" secret2 2>/dev/null

# The private Apache: the base configuration of tests/lib/servers.bash, and
# mod_cgid for the CGI.
if ! start_apache "$t/apache" "$t/htdocs" "LoadModule cgid_module $modules/mod_cgid.so
ScriptSock \"$t/apache/run/cgid.sock\"
LogFormat \"%a %r %>s\" short
CustomLog \"$t/apache/access.log\" short

# The shipped snippet, as it is; only its two documented names are set.
Define PROVLOCK_CGI \"$t/bin/provlock.cgi\"
Define PROVLOCK_CONFIG \"$t/provlock.toml\"
Include \"$snippet\"

# Test only: the same program behind HTTP Basic credentials (REMOTE_USER).
ScriptAlias /authprov \"$t/bin/provlock.cgi\"
<Location /authprov>
    SetEnv PROVLOCK_CONFIG \"$t/provlock.toml\"
    AuthType Basic
    AuthName \"provlock test\"
    AuthBasicProvider file
    AuthUserFile \"$t/apache/htpasswd\"
    Require valid-user
</Location>"; then
  finish
  exit 1
fi
echo "Apache listening on 127.0.0.1:$port (ServerRoot $t/apache)"

# --- Checks ----------------------------------------------------------------
: >"$t/all-responses"

# fetch ADDR METHOD URL-PATH [curl args...]: one request from source address
# ADDR; sets $status, $body, $headers; every response is kept in
# $t/all-responses.
curl_log=$t/all-responses
fetch() { curl_fetch "$port" "$@"; }

# header NAME VALUE WHAT: the last response carried that header.
header() {
  if grep -qix "$1: $2" <<<"$headers"; then pass "$3"; else fail "$3 (no '$1: $2' in: $(tr '\n' '|' <<<"$headers"))"; fi
}

ua_yealink="Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"
ua_gs="Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b828aa872"

echo "# first fetch binds, another address is refused"
fetch 127.0.0.2 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 200 "yealink config of $yealink" "first fetch from 127.0.0.2 is served the file"
header Content-Type text/plain "a .cfg file is text/plain"
cmp -s "$t/root/$yealink.cfg" <(printf '%s\n' "$body") && pass "the body is the file, byte for byte" ||
  fail "the body is the file, byte for byte"
fetch 127.0.0.2 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 200 "yealink config" "the bound address fetches again"
fetch 127.0.0.3 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 403 "locked" "another address (127.0.0.3) gets 403 locked"
header Content-Type "text/plain; charset=utf-8" "a refusal is one line of plain text"
[ "$(printf '%s\n' "$body" | wc -l)" -eq 1 ] && pass "the refusal is one line" || fail "the refusal is one line"

echo "# query-string words are never arguments (RFC 3875 4.4)"
fetch 127.0.0.3 GET "/provisioning/$yealink.cfg?unlock+$yealink" -A "$ua_yealink"
expect 403 "locked" "'?unlock+MAC' from the foreign address is still refused"

echo "# the operator unlocks: the phone re-binds where it is now"
if "$bin" unlock "$yealink" >/dev/null; then pass "provlock unlock as root on the shared store"; else fail "provlock unlock"; fi
fetch 127.0.0.3 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 200 "yealink config" "after unlock, 127.0.0.3 is served"
fetch 127.0.0.2 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 403 "locked" "after unlock, the old address 127.0.0.2 is refused"
fetch 127.0.0.3 HEAD "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 200 "" "HEAD from the bound address: 200"
header Content-Type text/plain "HEAD carries the Content-Type"

echo "# the MAC from the User-Agent, and names that disagree"
fetch 127.0.0.4 GET /provisioning/gs/settings.xml -A "$ua_gs"
expect 200 "grandstream settings" "a file without a MAC is served by the Grandstream User-Agent's DevId"
header Content-Type application/xml "an .xml file is application/xml"
fetch 127.0.0.5 GET /provisioning/gs/settings.xml -A "$ua_gs"
expect 403 "locked" "the same User-Agent from another address is refused"
fetch 127.0.0.6 GET "/provisioning/$yealink.cfg" -A "$ua_gs"
expect 403 "mac-mismatch" "file name and User-Agent naming different MACs: 403 mac-mismatch"
fetch 127.0.0.6 GET "/provisioning/spa$spa.xml" -A "Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)"
expect 200 "<spa>" "Cisco SPA file name and User-Agent agreeing: served"

echo "# public vendor files need no check"
fetch 127.0.0.7 GET /provisioning/y000000000028.cfg
expect 200 "yealink common config" "public y000000000028.cfg is served to anyone"

echo "# REMOTE_USER (credentials checked by Apache) is an identity: the device's own, or a mismatch"
fetch 127.0.0.2 GET "/provisioning/$polycom.cfg"
expect 200 "polycom config" "Polycom binds to 127.0.0.2"
fetch 127.0.0.8 GET "/provisioning/$polycom.cfg"
expect 403 "locked" "from 127.0.0.8 without credentials: refused"
fetch 127.0.0.8 GET "/authprov/$polycom.cfg" -u phone1:wrong
expect 401 "" "wrong credentials are Apache's 401"
fetch 127.0.0.8 GET "/authprov/$polycom.cfg" -u "$yealink:secret2"
expect 403 "auth-mismatch" "another phone's valid credentials never open this phone: 403 auth-mismatch"
fetch 127.0.0.2 GET "/authprov/$polycom.cfg" -u "$yealink:secret2"
expect 403 "auth-mismatch" "not even from the phone's own address"
fetch 127.0.0.2 GET "/provisioning/$polycom.cfg"
expect 200 "polycom config" "the mismatches moved nothing: the phone still fetches from 127.0.0.2"
fetch 127.0.0.8 GET "/authprov/$polycom.cfg" -u phone1:secret1
expect 200 "polycom config" "with credentials from 127.0.0.8: served"
fetch 127.0.0.2 GET "/provisioning/$polycom.cfg"
expect 403 "locked" "the authenticated fetch re-bound it: 127.0.0.2 is now refused"

echo "# a scanner is banned and sees its address; only a known address lifts its ban itself"
for probe in admin.php wp-login.php .env; do
  fetch 127.0.0.9 GET "/provisioning/$probe"
  expect 404 "" "scanner probe /provisioning/$probe: 404"
done
fetch 127.0.0.9 GET /provisioning/phpinfo.php
expect 404 "" "the 4th probe crosses ban.max_attempts = 3: still 404"
fetch 127.0.0.9 GET /provisioning/config.php
expect 403 "banned: 127.0.0.9 is banned until" "the next request: 403 naming the address"
expect 403 "ask the operator" "a scanner that never provisioned a phone is not offered the self-unban"
[[ $body != *unban-self* ]] && pass "... no unban-self path in it" || fail "... no unban-self path in it"
fetch 127.0.0.9 GET "/provisioning/$spa.cfg"
expect 403 "banned" "a banned address is refused a real device's file too"
if "$bin" log 127.0.0.9 | grep -q 'ban  127.0.0.9/32  auto'; then pass "the ban is in the journal"; else fail "the ban is in the journal"; fi
fetch 127.0.0.9 GET /provisioning/unban-self
expect 405 "" "GET of the self-unban path: 405"
header Allow POST "it allows POST"
fetch 127.0.0.10 POST /provisioning/unban-self -d x
expect 200 "not banned" "self-unban from an address that is not banned: 200 not banned"
fetch 127.0.0.9 POST /provisioning/unban-self -d please
expect 403 "not permitted" "the scanner's own self-unban: 403, it is not a known address"
fetch 127.0.0.9 GET /provisioning/config.php
expect 403 "banned: 127.0.0.9" "and its ban stands"
# A phone provisioned from 127.0.0.15 makes it a known address.
fetch 127.0.0.15 GET "/provisioning/$known.cfg"
expect 200 "known config" "a phone provisions from 127.0.0.15"
# Four scans (ban.max_attempts = 3) ban the address; the 403 offers the
# self-unban, and the address lifts the ban itself three times.
for probe in a b c d; do fetch 127.0.0.15 GET "/provisioning/$probe.php"; done
fetch 127.0.0.15 GET /provisioning/e.php
expect 403 "POST /provisioning/unban-self from that address" "a known address's 403 names the self-unban path"
fetch 127.0.0.15 POST /provisioning/unban-self -d please
expect 200 "unbanned: 127.0.0.15" "self-unban from the banned known address: 200 unbanned"
fetch 127.0.0.15 GET /provisioning/config.php
expect 404 "" "unbanned: back to 404"
for round in 2 3 4; do
  for probe in a b c d; do fetch 127.0.0.15 GET "/provisioning/$probe.php"; done
  fetch 127.0.0.15 POST /provisioning/unban-self
  [ "$round" -lt 4 ] && expect 200 "unbanned: 127.0.0.15" "self-unban number $round within 24h: 200"
done
expect 403 "over limit" "a 4th self-unban within 24h (ban.self_unban_max = 3): 403"
fetch 127.0.0.15 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 403 "banned: 127.0.0.15" "and the address stays banned"
"$bin" ban add 127.0.0.16/30 >/dev/null
fetch 127.0.0.17 GET /provisioning/index.php
expect 403 "banned: 127.0.0.17 is in the banned range 127.0.0.16/30" "an operator's range ban: 403 naming the range"
fetch 127.0.0.17 GET "/provisioning/$yealink.cfg" -A "$ua_yealink"
expect 403 "only the operator can lift it" "a range ban refuses device files too, and cannot be self-unbanned"

echo "# self-unban never lifts an operator's ban (issue 16, SPEC 5)"
fetch 127.0.0.17 POST /provisioning/unban-self
expect 403 "is in the banned range 127.0.0.16/30" "self-unban inside a range ban: 403 naming the range"
expect 403 "only the operator can lift it" "... and the operator as the way out"
fetch 127.0.0.17 GET /provisioning/index.php
expect 403 "banned: 127.0.0.17 is in the banned range" "the range ban still stands after it"
"$bin" ban add 127.0.0.40 >/dev/null
fetch 127.0.0.40 GET /provisioning/index.php
expect 403 "by the operator; only the operator can lift it" "an operator's ban: the 403 names the operator"
[[ $body != *unban-self* ]] && pass "... and offers no self-unban" || fail "... and offers no self-unban"
fetch 127.0.0.40 POST /provisioning/unban-self
expect 403 "only the operator can lift it" "self-unban of an operator's 'ban add IP': 403"
fetch 127.0.0.40 GET /provisioning/index.php
expect 403 "banned: 127.0.0.40" "the operator's ban still stands after it"
if "$bin" ban list | grep -q '^127.0.0.40/32 .* manual'; then pass "ban list still shows it"; else fail "ban list still shows it"; fi

echo "# the path's MAC and the User-Agent's must agree, whatever the file name's shape (issue 16)"
ua_attacker="Yealink SIP-T46G 28.72.0.1 00:15:65:00:00:cc"
n=20
for f in "spa$victim.cfg" "$victim-web.cfg" "$victim-notes.txt" "xa$victim.cfg" "phones/$victim/x.cfg"; do
  n=$((n + 1))  # a fresh address each: every mismatch counts against its address
  fetch "127.0.0.$n" GET "/provisioning/$f" -A "$ua_attacker"
  expect 403 "mac-mismatch" "/$f with the attacker's own phone in the User-Agent: 403 mac-mismatch"
  [[ $body != *"victim's"* ]] && pass "... and not the victim's file" || fail "... and not the victim's file"
done
if "$bin" log "$victim" | grep -q 'mac-mismatch.*ua_mac=0015650000cc'; then
  pass "the mismatch is journaled under the victim's MAC"
else
  fail "the mismatch is journaled under the victim's MAC"
fi
"$bin" show "$attacker" | grep -q '^state: new$' && pass "the attacker's phone was never bound" ||
  fail "the attacker's phone was never bound"
fetch 127.0.0.27 GET "/provisioning/spa$victim.cfg"
expect 200 "victim's spa$victim.cfg" "spa<mac>.cfg names its MAC without a User-Agent: the first fetch binds"
fetch 127.0.0.28 GET "/provisioning/$victim-web.cfg"
expect 403 "locked" "<mac>-web.cfg from another address is judged as the victim: locked"
fetch 127.0.0.27 GET "/provisioning/phones/$victim/x.cfg"
expect 200 "victim's phones/$victim/x.cfg" "a MAC in a directory names the device: the bound address is served"

echo "# a missing file is 404 before any decision (issue 16)"
fetch 127.0.0.30 GET "/provisioning/$fresh-phone.cfg"
expect 404 "not-found" "a new device's missing file: 404"
"$bin" show "$fresh" | grep -q '^state: new$' && pass "... and the device is still new" ||
  fail "... and the device is still new ($("$bin" show "$fresh" | tr '\n' ' '))"
fetch 127.0.0.31 GET "/provisioning/$fresh.cfg"
expect 200 "fresh config" "its first real fetch, from another address, is the first provision"
"$bin" log "$fresh" | grep -q "allow *first-provision.*127.0.0.31\|127.0.0.31 *allow *first-provision" &&
  pass "the journal says first-provision from 127.0.0.31" || fail "first-provision from 127.0.0.31 in the journal"
fetch 127.0.0.32 GET "/provisioning/$unl.cfg"
expect 200 "unl config" "a device binds to 127.0.0.32"
"$bin" unlock "$unl" >/dev/null
fetch 127.0.0.33 GET "/provisioning/$unl-local.cfg"
expect 404 "not-found" "an unlocked device's missing file: 404"
"$bin" show "$unl" | grep -q '^state: unlocked$' && pass "... and the unlock is still in force" ||
  fail "... and the unlock is still in force ($("$bin" show "$unl" | tr '\n' ' '))"
fetch 127.0.0.33 GET "/provisioning/$unl.cfg"
expect 200 "unl config" "the real fetch uses the unlock"
for i in 1 2 3 4 5; do fetch 127.0.0.35 GET "/provisioning/$unl-directory.xml"; done
expect 404 "" "a registered device's missing files are not counted: the 5th is still 404"
fetch 127.0.0.34 GET "/provisioning/$unknown.cfg"
expect 404 "not-found" "a missing file of an unknown MAC: 404"
if "$bin" log 127.0.0.34 | grep -q "$unknown.*unknown-device"; then pass "... journaled as unknown-device"; else fail "... journaled as unknown-device"; fi
for f in "$unknown-web.cfg" "spa$unknown.cfg" "$unknown-phone.cfg"; do fetch 127.0.0.34 GET "/provisioning/$f"; done
expect 404 "" "the 4th scan for missing files crosses ban.max_attempts = 3: still 404"
fetch 127.0.0.34 GET "/provisioning/$unknown-calls.xml"
expect 403 "banned: 127.0.0.34" "... they were counted: the next missing file gets the 403 of the ban"
fetch 127.0.0.36 GET "/provisioning/$unknown-notes.txt"
expect 403 "unknown-device" "an unknown MAC's file that exists: 403 unknown-device"

echo "# methods"
fetch 127.0.0.3 PUT "/provisioning/$yealink.cfg" -d overwrite
expect 405 "" "PUT: 405"
header Allow "GET, HEAD" "405 names the allowed methods"
fetch 127.0.0.3 DELETE "/provisioning/$yealink.cfg"
expect 405 "" "DELETE: 405"
fetch 127.0.0.3 POST "/provisioning/$yealink.cfg" -d x
expect 405 "" "POST to a config file: 405"
[ "$(cat "$t/root/$yealink.cfg")" = "yealink config of $yealink" ] && pass "the file is unchanged" ||
  fail "the file is unchanged"

echo "# bad input: 400"
fetch 127.0.0.11 GET "/provisioning/$(head -c 1100 /dev/zero | tr '\0' a).cfg"
expect 400 "" "a path over 1024 bytes: 400"
fetch 127.0.0.11 GET /provisioning/%ff%fe.cfg
expect 400 "not UTF-8" "a non-UTF-8 path: 400"
fetch 127.0.0.11 GET /provisioning/a%01b.cfg
expect 400 "control character" "a control byte in the path: 400"
fetch 127.0.0.11 GET "/provisioning/$yealink.cfg" -A "Yealink $(head -c 1100 /dev/zero | tr '\0' x)"
expect 400 "User-Agent" "a User-Agent over 1024 bytes: 400"
fetch 127.0.0.11 GET "/provisioning/$yealink.cfg" -A $'Yealink \xff\xfe\x80 00:15:65:4a:a9:37'
expect 400 "not UTF-8" "a non-UTF-8 User-Agent: 400"
fetch 127.0.0.11 GET "/provisioning/x%c3%28%80%ff.cfg"
expect 400 "\\x" "a non-UTF-8 path: the body escapes the bytes (\\xNN)"
if LC_ALL=C grep -q $'[\x80-\xff]' "$t/all-responses"; then
  fail "no response carries a raw byte >= 0x80 ($(LC_ALL=C grep -c $'[\x80-\xff]' "$t/all-responses") lines)"
else
  pass "no response carries a raw byte >= 0x80"
fi

echo "# store trouble: 503"
record=$(find "$t/store" -name "$broken.json")
if [ -n "$record" ]; then
  printf '{ not json' >"$record"
  fetch 127.0.0.12 GET "/provisioning/$broken.cfg"
  expect 503 "store-error" "an unreadable device record: 503 store-error"
else
  fail "the record of $broken is in the store"
fi

echo "# the CGI output itself, before Apache re-frames it (it sends chunked, drops Content-Length)"
# cgi METHOD PATH_INFO: runs the program as www-data the way Apache does,
# from 127.0.0.3; sets $out to its whole output.
cgi() {
  out=$(runuser -u www-data -- env -i REQUEST_METHOD="$1" REMOTE_ADDR=127.0.0.3 \
    SCRIPT_NAME=/provisioning PATH_INFO="$2" PROVLOCK_CONFIG="$t/provlock.toml" \
    "$t/bin/provlock.cgi" 2>/dev/null | tr -d '\r')
  status=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
  body=$(sed '1,/^$/d' <<<"$out")
  printf '%s\n' "$out" >>"$t/all-responses"
}
size=$(stat -c %s "$t/root/$yealink.cfg")
cgi GET "/$yealink.cfg"
expect 200 "yealink config" "GET: Status 200 and the file"
grep -qx "Content-Length: $size" <<<"$out" && pass "GET: Content-Length: $size" || fail "GET: Content-Length: $size"
cgi HEAD "/$yealink.cfg"
grep -qx "Content-Length: $size" <<<"$out" && pass "HEAD: Content-Length: $size" || fail "HEAD: Content-Length: $size"
[ "$status" = 200 ] && [ -z "$body" ] && pass "HEAD: Status 200, headers only" || fail "HEAD: Status 200, headers only"
out=$(runuser -u www-data -- env -i REQUEST_METHOD=GET REMOTE_ADDR=127.0.0.3 PATH_INFO="/$yealink.cfg" \
  PROVLOCK_CONFIG="$t/provlock.toml" "$t/bin/provlock.cgi" --store /nonexistent unlock "$yealink" 2>/dev/null)
[[ $out == "Status: 200 OK"*"yealink config"* ]] && pass "argv words are ignored: the request is served as usual" ||
  fail "argv words are ignored"
# raw METHOD PATH_INFO UA [VAR=VALUE...]: as cgi, and stderr (what Apache
# puts into its error log) kept in $err.
raw() {
  local method=$1 path=$2 ua=$3
  shift 3
  out=$(runuser -u www-data -- env -i REQUEST_METHOD="$method" REMOTE_ADDR=127.0.0.3 \
    SCRIPT_NAME=/provisioning PATH_INFO="$path" HTTP_USER_AGENT="$ua" \
    PROVLOCK_CONFIG="$t/provlock.toml" "$@" "$t/bin/provlock.cgi" 2>"$t/stderr" | tr -d '\r')
  err=$(cat "$t/stderr")
  status=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
  body=$(sed '1,/^$/d' <<<"$out")
}
# clean WHAT: neither the last output nor its stderr holds a control byte
# (other than the line ends) or a byte >= 0x80.
clean() {
  if LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]' <<<"$out$err"; then
    fail "$1: raw bytes in the output or the error log line: $(printf '%q' "$out$err")"
  else
    pass "$1"
  fi
}
raw GET $'/x\xff\xfe.cfg' ""
expect 400 'not UTF-8' "PATH_INFO not UTF-8: 400"
[[ $err == *'\xff\xfe'* ]] && pass "the error log line shows the bytes as \\xff\\xfe" || fail "error log line: $err"
clean "PATH_INFO not UTF-8: escaped in the body and the error log"
raw GET $'/a\x1b[31mb.cfg' ""
expect 400 'control character' "an escape sequence in PATH_INFO: 400"
clean "an escape sequence in PATH_INFO: escaped"
raw GET "/$yealink.cfg" $'Yealink \xc3\x28 \x1b]0;pwned\x07'
expect 400 'User-Agent' "a User-Agent with bad bytes: 400"
clean "a User-Agent with bad bytes: escaped"
raw $'G\xffT\x01' "/$yealink.cfg" ""
expect 405 "method-not-allowed" "a method with bad bytes: 405"
clean "a method with bad bytes: escaped"
raw GET "/$yealink.cfg" "" REMOTE_USER=$'\xff\x1b'
clean "a REMOTE_USER with bad bytes never shows raw"
out=$(runuser -u www-data -- env -i REQUEST_METHOD=GET REMOTE_ADDR=$'\xff\x1b' PATH_INFO=/x.cfg \
  PROVLOCK_CONFIG="$t/provlock.toml" "$t/bin/provlock.cgi" 2>"$t/stderr" | tr -d '\r')
err=$(cat "$t/stderr")
[[ $out == "Status: 500 "* ]] && pass "a bad REMOTE_ADDR: 500" || fail "a bad REMOTE_ADDR: 500"
clean "a bad REMOTE_ADDR: escaped in the error log"
cgi GET /../secret.txt
expect 400 "'.' or '..'" "PATH_INFO /../secret.txt (Apache never passes it): 400"
out=$(runuser -u www-data -- env -i REQUEST_METHOD=GET REMOTE_ADDR=127.0.0.3 SCRIPT_NAME=/provisioning \
  REQUEST_URI="/provisioning/up%2fsecret.txt" PROVLOCK_CONFIG="$t/provlock.toml" "$t/bin/provlock.cgi" 2>/dev/null)
[[ $out == "Status: 400 "* ]] && pass "no PATH_INFO: an encoded '/' in REQUEST_URI is 400" ||
  fail "no PATH_INFO: an encoded '/' in REQUEST_URI is 400"

echo "# nothing outside cgi.root, ever"
fetch 127.0.0.13 GET "/provisioning/$linked.cfg"
expect 404 "" "a device file that is a symlink to outside: 404"
fetch 127.0.0.13 GET /provisioning/firmware.bin
expect 404 "" "a public file that is a symlink to outside: 404"
fetch 127.0.0.13 GET /provisioning/up/outside.bin
expect 404 "" "a public name through a directory symlink to outside: 404"
fetch 127.0.0.3 GET "/provisioning/up/$yealink.cfg" -A "$ua_yealink"
expect 404 "" "an allowed device's name through a directory symlink to outside: 404"
fetch 127.0.0.13 GET /provisioning/.hidden.bin
expect 404 "" "a dot file in the root, under a public name: 404"
# Public names are never counted, so this address is never banned and every
# one of these reaches provlock's file lookup if Apache lets it through.
for path in /provisioning/../outside.bin /provisioning/%2e%2e/outside.bin \
  "/provisioning/%2E%2E/%2E%2E$t/outside.bin" /provisioning/..%2foutside.bin \
  /provisioning/%2e%2e%2foutside.bin /provisioning/%252e%252e/outside.bin \
  /provisioning/gs/..%2f..%2foutside.bin /provisioning/gs/../../outside.bin \
  /provisioning/..%5coutside.bin /provisioning/%2e%2e%5coutside.bin \
  /provisioning/up%2foutside.bin "/provisioning//$t/outside.bin" /provisioning/.%2e/outside.bin \
  /provisioning/up/./outside.bin /provisioning/up/outside.bin%00.bin \
  "/provisioning/outside.bin?../../outside.bin"; do
  fetch 127.0.0.14 GET "$path"
  if [ "$status" != 200 ] && [[ $body != *"$secret"* ]]; then pass "$path: $status, no secret"; else fail "$path"; fi
done
for path in "/provisioning/../$yealink.cfg" "/provisioning/%2e%2e/$yealink.cfg" \
  "/provisioning/..%2f$yealink.cfg" "/provisioning/up%2f$yealink.cfg"; do
  fetch 127.0.0.3 GET "$path" -A "$ua_yealink"
  if [ "$status" != 200 ] && [[ $body != *"$secret"* ]]; then pass "$path (bound address): $status, no secret"; else fail "$path"; fi
done
if grep -qF "$secret" "$t/all-responses"; then
  fail "no response ever carried the secret"
else
  pass "no response ever carried the secret ($(grep -c '^HTTP/' "$t/all-responses") responses)"
fi

stop_apache
if LC_ALL=C grep -q $'[\x80-\xff]' "$t/apache/error.log"; then
  fail "Apache's error log holds no raw byte >= 0x80: $(LC_ALL=C grep -a $'[\x80-\xff]' "$t/apache/error.log" | head -n 2)"
else
  pass "Apache's error log holds no raw byte >= 0x80"
fi

finish
