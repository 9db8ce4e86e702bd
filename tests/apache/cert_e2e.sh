#!/usr/bin/env bash
# End-to-end: client certificates as a phone's identity (SPEC §7), under a real
# Apache 2.4 with mod_ssl and contrib/apache/provlock.conf. A private test CA
# (openssl) signs the server's certificate and the phones'; curl fetches over
# HTTPS from several loopback addresses as the phones would. Needs root: it
# installs apache2, curl and openssl when missing, and Apache must start as
# root to run the CGI as www-data.
#
# Usage: cert_e2e.sh PROVLOCK_BINARY
# Prints one line per check and exits non-zero if any failed.
set -u -o pipefail

bin=${1:?usage: cert_e2e.sh PROVLOCK_BINARY}
bin=$(realpath "$bin")
here=$(cd "$(dirname "$0")" && pwd)
snippet=$(realpath "$here/../../contrib/apache/provlock.conf") || exit 1

# shellcheck source=../lib/servers.bash
source "$here/../lib/servers.bash"
need_root "the Apache test needs root (apt-get, and Apache's User www-data)"

# --- Apache, curl and openssl, from Debian -------------------------------------
modules=$apache_modules
need apache2=apache2 curl=curl openssl=openssl "$modules/mod_ssl.so=apache2" \
  update-ca-certificates=ca-certificates || exit 1

# --- A private Apache with mod_ssl in a temporary directory ----------------------
t=$(mktemp -d /tmp/provlock-cert.XXXXXX)
chmod 755 "$t"
cleanup() {
  local rc=$?
  stop_apache
  print_log_if_failed Apache "$t/apache/error.log" "$rc"
  rm -rf "$t"
}
cleanup_on_exit cleanup

mkdir -p "$t/bin" "$t/root" "$t/htdocs" "$t/apache" "$t/pki"
install -m 755 "$bin" "$t/bin/provlock.cgi"
install -d -m 2775 -g www-data "$t/store"

cat >"$t/provlock.toml" <<EOF
store = "$t/store"
[cgi]
root = "$t/root"
EOF
export PROVLOCK_CONFIG=$t/provlock.toml
unset PROVLOCK_STORE PROVLOCK_NOW

a=0015650a0001 b=0015650b0002
echo "config of phone A" >"$t/root/$a.cfg"
echo "config of phone B" >"$t/root/$b.cfg"
chmod -R a+rX "$t/root"
"$bin" add "$a" "$b" >/dev/null || { echo "FAIL: provlock add" >&2; exit 1; }

# --- The test PKI -----------------------------------------------------------------
# ca: the phones' CA that Apache trusts; rogue: another CA, not trusted.
pki=$t/pki
newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
mkca() {
  openssl req -x509 "${newkey[@]}" -keyout "$pki/$1.key" -out "$pki/$1.crt" -days 2 \
    -subj "/CN=$2" 2>/dev/null
}
# mkcert NAME CA SUBJECT EXTENSIONS: a certificate signed by CA.
mkcert() {
  openssl req "${newkey[@]}" -keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "$3" 2>/dev/null &&
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.crt" -CAkey "$pki/$2.key" \
      -CAcreateserial -out "$pki/$1.crt" -days 2 -extfile <(printf '%s\n' "$4") 2>/dev/null
}
if mkca ca "provlock test phone CA" && mkca rogue "some other CA" &&
  mkcert server ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth" &&
  mkcert phone-a ca "/O=Test Phones/CN=$a" "extendedKeyUsage=clientAuth" &&
  mkcert phone-b ca "/O=Test Phones/CN=$b" "extendedKeyUsage=clientAuth" &&
  mkcert phone-a-sep ca "/CN=SEP${a^^}" "extendedKeyUsage=clientAuth" &&
  mkcert rogue-a rogue "/CN=$a" "extendedKeyUsage=clientAuth"; then
  :
else
  echo "FAIL: openssl could not make the test certificates" >&2
  exit 1
fi
chmod 600 "$pki"/*.key

# The private Apache: the base configuration of tests/lib/servers.bash,
# mod_cgid for the CGI and mod_ssl, over https.
if ! start_apache --https "$pki/ca.crt" "$t/apache" "$t/htdocs" \
  "LoadModule cgid_module $modules/mod_cgid.so
LoadModule socache_shmcb_module $modules/mod_socache_shmcb.so
LoadModule ssl_module $modules/mod_ssl.so
ScriptSock \"$t/apache/run/cgid.sock\"
LogFormat \"%a %r %>s verify=%{SSL_CLIENT_VERIFY}x\" short
CustomLog \"$t/apache/access.log\" short

SSLSessionCache \"shmcb:$t/apache/run/ssl_scache(512000)\"
SSLEngine on
SSLCertificateFile \"$pki/server.crt\"
SSLCertificateKeyFile \"$pki/server.key\"
# The phones' CA only (SPEC 7): never a public web CA.
SSLCACertificateFile \"$pki/ca.crt\"
SSLVerifyClient optional
SSLVerifyDepth 2

# The shipped snippet, as it is; only its two documented names are set.
Define PROVLOCK_CGI \"$t/bin/provlock.cgi\"
Define PROVLOCK_CONFIG \"$t/provlock.toml\"
Include \"$snippet\"
<Location /provisioning>
    SSLOptions +StdEnvVars
</Location>"; then
  finish
  exit 1
fi
echo "Apache listening on https://127.0.0.1:$port (ServerRoot $t/apache)"

# --- Checks ----------------------------------------------------------------

# fetch ADDR FILE CERT [curl args...]: GET /provisioning/FILE over HTTPS from
# source address ADDR with client certificate CERT ("" for none); sets
# $status and $body.
fetch() {
  local addr=$1 file=$2 cert=$3
  shift 3
  local with=()
  [ -n "$cert" ] && with=(--cert "$pki/$cert.crt" --key "$pki/$cert.key")
  status=$(curl -s --max-time 5 --interface "$addr" --cacert "$pki/ca.crt" "${with[@]}" \
    -o "$t/body" -w '%{http_code}' "$@" "https://127.0.0.1:$port/provisioning/$file") ||
    status="curl-failed($?)"
  body=$(cat "$t/body" 2>/dev/null)
  rm -f "$t/body"
}

# bound MAC IP WHAT: the device is bound to IP.
bound() {
  local shown
  shown=$("$bin" show "$1" --json)
  if [[ $shown == *"\"bound_ip\":\"$2\""* ]]; then pass "$3"; else status=- body=$shown fail "$3"; fi
}

echo "# without a certificate: the normal lock"
fetch 127.0.0.2 "$a.cfg" ""
expect 200 "config of phone A" "phone A's first fetch (no certificate) from 127.0.0.2 binds it"
fetch 127.0.0.3 "$a.cfg" ""
expect 403 "locked" "phone A's file from 127.0.0.3 without a certificate: 403 locked"
bound "$a" 127.0.0.2 "phone A is still bound to 127.0.0.2"

echo "# another phone's certificate"
fetch 127.0.0.3 "$a.cfg" phone-b
expect 403 "mac-mismatch" "phone A's file with phone B's certificate: 403 mac-mismatch"
[[ $body != *"config of phone A"* ]] && pass "... and not phone A's file" || fail "... and not phone A's file"
fetch 127.0.0.2 "$a.cfg" phone-b
expect 403 "mac-mismatch" "... even from phone A's own address"
bound "$a" 127.0.0.2 "the mismatches moved nothing: phone A is still bound to 127.0.0.2"
if "$bin" log "$a" | grep -q "mac-mismatch.*certificate=$b"; then
  pass "provlock log shows the mismatch with certificate=$b"
else
  status=- body=$("$bin" log "$a") fail "provlock log shows the mismatch with certificate=$b"
fi

echo "# a certificate of a CA Apache does not trust"
fetch 127.0.0.3 "$a.cfg" rogue-a
if [ "$status" != 200 ] && [[ $body != *"config of phone A"* ]]; then
  pass "phone A's MAC in a certificate of another CA: not served from 127.0.0.3 ($status)"
else
  fail "phone A's MAC in a certificate of another CA: not served from 127.0.0.3"
fi
bound "$a" 127.0.0.2 "... and phone A is still bound to 127.0.0.2"

echo "# the phone's own certificate: allowed from anywhere, re-bound"
fetch 127.0.0.3 "$a.cfg" phone-a
expect 200 "config of phone A" "phone A's file with phone A's certificate from 127.0.0.3: 200"
bound "$a" 127.0.0.3 "phone A is re-bound to 127.0.0.3"
fetch 127.0.0.2 "$a.cfg" ""
expect 403 "locked" "a later anonymous fetch from the old address 127.0.0.2: 403 locked"
if "$bin" log "$a" | grep -q "127.0.0.3  allow  authenticated.*certificate=$a"; then
  pass "provlock log shows the fetch allowed by certificate=$a"
else
  status=- body=$("$bin" log "$a") fail "provlock log shows the fetch allowed by certificate=$a"
fi
fetch 127.0.0.4 "$a.cfg" phone-a-sep
expect 200 "config of phone A" "a certificate whose CN is SEP<MAC> is phone A's too: 200 from 127.0.0.4"
bound "$a" 127.0.0.4 "phone A is re-bound to 127.0.0.4"
fetch 127.0.0.4 "$b.cfg" phone-a-sep
expect 403 "mac-mismatch" "... and that certificate for phone B's file: 403 mac-mismatch"

echo "# a client cannot pose as a certificate with request headers"
fetch 127.0.0.5 "$a.cfg" "" -H "SSL-CLIENT-VERIFY: SUCCESS" -H "SSL_CLIENT_VERIFY: SUCCESS" \
  -H "SSL-CLIENT-S-DN-CN: $a" -H "SSL_CLIENT_S_DN_CN: $a"
expect 403 "locked" "SSL_CLIENT_* request headers without a certificate: 403 locked"

echo "# SSL_CLIENT_VERIFY other than SUCCESS is no identity (the CGI as Apache runs it)"
# cgi VERIFY CN: the program run as www-data for phone A's file from 127.0.0.6.
cgi() {
  out=$(runuser -u www-data -- env -i REQUEST_METHOD=GET REMOTE_ADDR=127.0.0.6 \
    SCRIPT_NAME=/provisioning PATH_INFO="/$a.cfg" PROVLOCK_CONFIG="$t/provlock.toml" \
    SSL_CLIENT_VERIFY="$1" SSL_CLIENT_S_DN_CN="$2" "$t/bin/provlock.cgi" 2>"$t/stderr" | tr -d '\r')
  err=$(cat "$t/stderr")
  status=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
  body=$(sed '1,/^$/d' <<<"$out")
}
for verify in NONE GENEROUS "FAILED:unable to get local issuer certificate" success " SUCCESS"; do
  cgi "$verify" "$a"
  expect 403 "locked" "SSL_CLIENT_VERIFY='$verify' with phone A's CN: 403 locked"
done
cgi SUCCESS "SEP${a} SEP${b}"
expect 403 "locked" "a CN naming two MACs is no identity: 403 locked"
[[ $err == *"two different MACs"* ]] && pass "... and the error log says why" ||
  { body=$err fail "... and the error log says why"; }
cgi SUCCESS "$a"
expect 200 "config of phone A" "SSL_CLIENT_VERIFY=SUCCESS with phone A's CN: 200 (so the checks above can fail)"

stop_apache
grep -q "verify=SUCCESS" "$t/apache/access.log" && pass "Apache verified client certificates (SSL_CLIENT_VERIFY=SUCCESS)" ||
  { status=- body=$(tail -n 5 "$t/apache/access.log") fail "Apache verified client certificates"; }

finish
