#!/usr/bin/env bash
# contrib/systemd/provlock-fcgi.{socket,service}: systemd-analyze verify
# finds nothing wrong with them (ExecStart pointed at the binary under
# test), and the service's own command line, environment and user, started
# the way the socket unit starts it (a listening socket on standard input,
# here by spawn-fcgi, since no systemd runs in the test machine), answers
# FastCGI requests. Installs systemd (for systemd-analyze) and spawn-fcgi
# when missing.
#
# Usage: systemd_test.sh PROVLOCK_BINARY FCGI_CLIENT_BINARY UNIT_DIR
set -u -o pipefail
bin=$(realpath "${1:?usage: systemd_test.sh PROVLOCK_BINARY FCGI_CLIENT_BINARY UNIT_DIR}")
client=$(realpath "${2:?the fcgi_client binary}")
units=$(realpath "${3:?the unit directory}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.bash
source "$here/lib.bash"
need systemd-analyze=systemd spawn-fcgi=spawn-fcgi || exit 1

fcgi_pid=
setup_scratch
cleanup_on_exit 'stop_pid "$fcgi_pid"; rm -rf "$t"'
service=$units/provlock-fcgi.service
socket_unit=$units/provlock-fcgi.socket
# key UNIT NAME: the value of NAME= in UNIT (the first one).
key() { sed -n "s/^$2=//p" "$1" | head -n 1; }

mkdir -p "$t/units"
sed "s|^ExecStart=/usr/bin/provlock |ExecStart=$t/bin/provlock |" "$service" >"$t/units/provlock-fcgi.service"
cp "$socket_unit" "$t/units/"
if systemd-analyze verify --man=no "$t/units/provlock-fcgi.socket" "$t/units/provlock-fcgi.service" \
  >"$t/verify" 2>&1 && [ ! -s "$t/verify" ]; then
  pass "systemd-analyze verify: no complaint"
else
  fail "systemd-analyze verify: $(cat "$t/verify")"
fi
[ "$(key "$service" StandardInput)" = socket ] && pass "StandardInput=socket" || fail "StandardInput=socket"
[ "$(key "$service" StandardOutput)" != "" ] && pass "standard output is not the socket" ||
  fail "StandardOutput is set (else it inherits the socket)"
[ "$(key "$socket_unit" ListenStream)" = /run/provlock/fcgi.sock ] &&
  pass "the socket is /run/provlock/fcgi.sock, as contrib/nginx/provlock.conf expects" ||
  fail "ListenStream=/run/provlock/fcgi.sock"
[ "$(key "$socket_unit" Accept)" = no ] && pass "Accept=no: one process serves the listening socket" ||
  fail "Accept=no"
grep -q '^\[Install\]' "$service" && ! grep -q '^WantedBy' "$service" &&
  pass "the service is started by its socket only" || fail "the service has a WantedBy of its own"

# The service as its unit starts it: its command, user and environment.
exec_start=$(key "$service" ExecStart)
user=$(key "$service" User)
read -r -a command <<<"${exec_start/\/usr\/bin\/provlock/$t/bin/provlock}"
env_line=$(key "$service" Environment)
sock=$t/fcgi.sock
# Its PROVLOCK_CONFIG is the Debian path; the test's config stands in for it.
[ "$env_line" = PROVLOCK_CONFIG=/etc/provlock/provlock.toml ] && pass "Environment=$env_line" ||
  fail "Environment=PROVLOCK_CONFIG=/etc/provlock/provlock.toml"
rm -f "$sock"
if spawn-fcgi -s "$sock" -M 0660 -U www-data -G www-data -u "$user" -g "$(key "$service" Group)" \
  -P "$t/fcgi.pid" -- "${command[@]}" >/dev/null; then
  fcgi_pid=$(cat "$t/fcgi.pid")
  pass "'$exec_start' with a listening socket on standard input, as $user"
else
  fail "spawn-fcgi -- ${command[*]}"
fi
scenario_lines | head -n 3 | cut -d '|' -f 1-6 >"$t/scenario"
"$client" replay "$sock" "$t/scenario" | tr -d '\r' >"$t/out"
got=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$t/out" | tr '\n' ' ')
[ "$got" = "200 200 403 " ] && pass "it answers: first provision, same address, foreign address ($got)" ||
  fail "answers: $got $(head -c 300 "$t/out")"
[ "$(ps -o user= -p "$fcgi_pid" | tr -d ' ')" = "$user" ] && pass "it runs as $user" || fail "it runs as $user"
kill -HUP "$fcgi_pid" && sleep 0.2 && alive "$fcgi_pid" && pass "ExecReload's SIGHUP leaves it running" ||
  fail "SIGHUP ends it"
kill -TERM "$fcgi_pid"
for _ in $(seq 1 20); do alive "$fcgi_pid" || break; sleep 0.05; done
alive "$fcgi_pid" && fail "SIGTERM (systemctl stop) ends it within a second" ||
  pass "SIGTERM (systemctl stop) ends it within a second"
finish
