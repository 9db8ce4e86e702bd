#!/usr/bin/env bash
# The Debian package: cpack builds it from the build tree, with its library
# dependencies found by dpkg-shlibdeps; it holds every file in its place; it
# unpacks (dpkg -x) into a scratch root where the installed provlock, its
# provlock.cgi link, its config, man pages and bash completion work; and its
# postinst creates the store root:www-data 2775 (run with DPKG_ROOT pointing
# at the scratch root, as dpkg does for an install into another root). The
# machine's own dpkg database is never touched.
#
# Usage: deb_test.sh BUILD_DIR
# Installs dpkg-dev, file and man-db from Debian when missing (as root).
set -u -o pipefail

build=$(realpath "${1:?usage: deb_test.sh BUILD_DIR}")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/debian_packages.bash"

# check DESCRIPTION COMMAND...: the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}

need_commands dpkg-shlibdeps=dpkg-dev file=file man=man-db groff=groff-base gzip=gzip readelf=binutils || {
  bad "the packaging tools are needed"
  finish
  exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset PROVLOCK_STORE PROVLOCK_CONFIG PROVLOCK_NOW

# --- Build it ---------------------------------------------------------------------
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  bad "cpack failed:"
  cat "$tmp/cpack.log" >&2
  finish
  exit 1
fi
debs=("$tmp"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] && ok || bad "cpack made ${#debs[@]} .deb files"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
[ "$(basename "$deb")" = "provlock_${version}_${arch}.deb" ] && ok ||
  bad "package file name $(basename "$deb")"
[ "$arch" = "$(dpkg --print-architecture)" ] && ok || bad "architecture $arch"
[ "$(dpkg-deb -f "$deb" Package)" = provlock ] && ok || bad "package name"

# Dependencies: the package of every shared library the binary needs, as
# dpkg-shlibdeps found them. How many there are depends on how provlock was
# linked: the default (PROVLOCK_STATIC_RUNTIME) is one static-pie executable
# that needs none, and then it must really be static and position-independent.
depends=$(dpkg-deb -f "$deb" Depends)
needed=$(readelf -d "$build/cli/provlock" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if grep -q '^PROVLOCK_STATIC_RUNTIME:BOOL=ON' "$build/CMakeCache.txt" || [ -z "$needed" ]; then
  [ -z "$needed" ] && ok || bad "built with PROVLOCK_STATIC_RUNTIME, yet needs $needed"
  kind=$(file -b "$build/cli/provlock")
  [[ $kind == *"static-pie linked"* ]] && ok || bad "no NEEDED library, yet not a static-pie executable: $kind"
  readelf -l "$build/cli/provlock" | grep -q INTERP && bad "a static executable names a program interpreter" || ok
fi
for lib in $needed; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|AArch64|64bit|libc6,/ {print $NF; exit}')
  [ -n "$path" ] || path=$(ldd "$build/cli/provlock" | awk -v l="$lib" '$1 == l || $1 ~ "/"l"$" {print ($3 ~ /^\// ? $3 : $1); exit}')
  pkg=
  for candidate in "$path" "$(realpath "$path" 2>/dev/null)" "/usr$path" "${path#/usr}"; do
    [ -n "$candidate" ] || continue
    pkg=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$pkg" ] && break
  done
  if [ -z "$pkg" ]; then
    bad "no Debian package owns $lib ($path)"
  elif [[ ", $depends," == *", $pkg"[\ ,]* ]]; then
    ok
  else
    bad "Depends does not name $pkg (for $lib): $depends"
  fi
done

# --- Its files --------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $6 ($7 == "->" ? " -> " $8 : "")}' | sed 's|^\./|/|' >"$tmp/contents"
for path in /usr/bin/provlock \
  "/usr/lib/cgi-bin/provlock.cgi -> ../../bin/provlock" \
  /usr/share/man/man1/provlock.1.gz /usr/share/man/man5/provlock.toml.5.gz \
  /usr/share/bash-completion/completions/provlock \
  /usr/share/zsh/vendor-completions/_provlock \
  /usr/share/fish/vendor_completions.d/provlock.fish \
  /etc/provlock/provlock.toml /etc/cron.d/provlock /etc/apache2/conf-available/provlock.conf \
  /usr/lib/systemd/system/provlock-expire.service /usr/lib/systemd/system/provlock-expire.timer \
  /etc/nginx/snippets/provlock.conf /etc/nginx/conf.d/provlock-upstream.conf \
  /usr/lib/systemd/system/provlock-fcgi.socket /usr/lib/systemd/system/provlock-fcgi.service \
  /usr/share/doc/provlock/examples/apache/provlock-fcgid.conf \
  /usr/share/doc/provlock/examples/apache/provlock-proxy-fcgi.conf \
  /usr/share/doc/provlock/README.md /usr/share/doc/provlock/examples/apache/provlock.conf; do
  grep -qxF -- "$path" "$tmp/contents" && ok || bad "the package lacks $path"
done
# The etcd store's program, when the build has it (PROVLOCK_ETCD, ON
# wherever scripts/deps ran): provlock finds it relative to itself.
if grep -q '^PROVLOCK_ETCD:BOOL=ON' "$build/CMakeCache.txt"; then
  grep -qxF /usr/lib/provlock/provlock-etcd "$tmp/contents" && ok ||
    bad "the package lacks /usr/lib/provlock/provlock-etcd"
fi
dpkg-deb -e "$deb" "$tmp/control"
check "postinst is executable" test -x "$tmp/control/postinst"
for f in /etc/provlock/provlock.toml /etc/cron.d/provlock /etc/apache2/conf-available/provlock.conf \
  /etc/nginx/snippets/provlock.conf /etc/nginx/conf.d/provlock-upstream.conf; do
  grep -qxF "$f" "$tmp/control/conffiles" && ok || bad "$f is not a conffile"
done
# The units are shipped, not enabled: no symlink into a .wants directory,
# and no maintainer script runs systemctl.
grep -q '\.wants/' "$tmp/contents" && bad "the package enables a unit: $(grep '\.wants/' "$tmp/contents")" || ok
grep -qs systemctl "$tmp/control/postinst" && bad "postinst runs systemctl" || ok

# --- Unpacked into a scratch root -------------------------------------------------
root=$tmp/root
dpkg -x "$deb" "$root" || bad "dpkg -x failed"
want="provlock $version"
got=$("$root/usr/bin/provlock" --version 2>&1)
[ "$got" = "$want" ] && ok || bad "installed provlock --version: '$got', wanted '$want'"

# The shipped config is valid, and changes nothing.
out=$("$root/usr/bin/provlock" --config "$root/etc/provlock/provlock.toml" \
  --store "$tmp/store" --now 2026-11-26T12:00:00Z list 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == MAC* ]] && ok || bad "provlock with the shipped config: exit $rc: $out"

# Given an etcd store named by host name, the installed provlock starts the
# installed provlock-etcd (found relative to itself), which fails closed on
# an address where no etcd listens: deny store-error, 75 (a provlock that
# could not start it would exit 78). One of IP addresses in plain text it
# opens itself (the JSON gateway), with the same answer.
if grep -q '^PROVLOCK_ETCD:BOOL=ON' "$build/CMakeCache.txt"; then
  printf '[store]\ntimeout = "1s"\nretries = 0\n[journal]\ndir = "%s/journal"\n' "$tmp" >"$tmp/etcd.toml"
  for url in etcd://localhost:1/pl etcd://127.0.0.1:1/pl; do
    out=$("$root/usr/bin/provlock" --config "$tmp/etcd.toml" --store "$url" \
      check 00:11:22:33:44:55 192.0.2.1 2>&1)
    rc=$?
    [ $rc -eq 75 ] && [[ $out == "deny store-error"* ]] && ok ||
      bad "installed provlock on the etcd store $url: exit $rc: $out"
  done
fi

# provlock.cgi runs as `provlock cgi`: it serves a public file.
mkdir -p "$tmp/files" && echo "public" >"$tmp/files/000000000000.cfg"
printf 'store = "%s"\n[cgi]\nroot = "%s"\n' "$tmp/store" "$tmp/files" >"$tmp/cgi.toml"
response=$(env -i PROVLOCK_CONFIG="$tmp/cgi.toml" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
  REMOTE_ADDR=192.0.2.1 SCRIPT_NAME=/provisioning PATH_INFO=/000000000000.cfg \
  "$root/usr/lib/cgi-bin/provlock.cgi" extra words 2>&1)
[[ $response == "Status: 200 OK"* && $response == *public* ]] && ok ||
  bad "provlock.cgi did not serve the file: $response"

# The man pages, as `man` finds them under the scratch root.
export MANPATH=$root/usr/share/man
for page in "1 provlock" "5 provlock.toml"; do
  # shellcheck disable=SC2086
  where=$(man -w $page 2>&1)
  [[ $where == "$root"/* ]] && ok || bad "man -w $page found '$where', not the unpacked page"
  # shellcheck disable=SC2086
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 $page 2>"$tmp/man.err")
  [ ! -s "$tmp/man.err" ] && ok || bad "man $page warned: $(cat "$tmp/man.err")"
  name=${page#* }
  # A here-string, not a pipe: grep -q stops reading at the match, and a
  # page longer than a pipe's buffer would then fail the writer (pipefail).
  if ! grep -qE "^ +${name//./\\.} +- " <<<"$text"; then
    bad "man $page has no NAME line for $name: $(head -5 <<<"$text")"
  elif [[ $text != *EXAMPLE* || $text != *"SEE ALSO"* ]]; then
    bad "man $page has no EXAMPLES or SEE ALSO ($(wc -c <<<"$text") bytes; it ends: $(tail -3 <<<"$text"))"
  else
    ok
  fi
done
unset MANPATH

# The bash completion, from where bash-completion loads it.
out=$(PATH=$root/usr/bin:$PATH bash -c '
  source "$1"
  COMP_WORDS=(provlock un) COMP_CWORD=1
  _provlock
  echo "${COMPREPLY[*]}"' _ "$root/usr/share/bash-completion/completions/provlock" 2>&1)
[ "$out" = "unlock unlock-all" ] && ok || bad "the installed bash completion offers '$out'"

# --- postinst ---------------------------------------------------------------------
check "postinst configure" env DPKG_ROOT="$root" sh "$tmp/control/postinst" configure
store=$root/var/lib/provlock
if [ -d "$store" ]; then
  ok
  [ "$(stat -c %a "$store")" = 2775 ] && ok || bad "store mode $(stat -c %a "$store"), wanted 2775"
  [ "$(stat -c %U "$store")" = root ] && ok || bad "store owner $(stat -c %U "$store")"
  [ "$(stat -c %G "$store")" = www-data ] && ok || bad "store group $(stat -c %G "$store")"
else
  bad "postinst did not create $store"
fi
# An existing store is left as the operator made it.
chmod 2770 "$store" 2>/dev/null
check "postinst configure, again" env DPKG_ROOT="$root" sh "$tmp/control/postinst" configure
[ "$(stat -c %a "$store" 2>/dev/null)" = 2770 ] && ok || bad "postinst changed an existing store"

finish
