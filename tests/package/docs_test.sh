#!/usr/bin/env bash
# The operator's documents keep up with the code: the man pages format
# without a warning; provlock(1) names every command and flag that --help
# shows, every decision token of lib/policy.cpp and every exit code of
# lib/error.hpp; contrib/provlock.toml is a valid config (as shipped, and with
# every setting uncommented) that shows every key lib/config.cpp knows, and
# provlock.toml(5) describes each of them; the README tells the quick start.
#
# Usage: docs_test.sh PROVLOCK_BINARY SOURCE_DIR
# Installs man-db from Debian when missing (as root).
set -u -o pipefail

bin=$(realpath "${1:?usage: docs_test.sh PROVLOCK_BINARY SOURCE_DIR}")
src=$(realpath "${2:?source directory}")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/debian_packages.bash"


need_commands man=man-db groff=groff-base col=bsdextrautils || {
  bad "man-db is needed"
  finish
  exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset PROVLOCK_STORE PROVLOCK_CONFIG PROVLOCK_NOW

# --- The man pages format cleanly -----------------------------------------------
for page in provlock.1 provlock.toml.5; do
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$src/man/$page" >"$tmp/$page.txt" \
    2>"$tmp/$page.err"
  [ ! -s "$tmp/$page.err" ] && ok || bad "man --warnings $page: $(cat "$tmp/$page.err")"
  [ "$(wc -l <"$tmp/$page.txt")" -gt 50 ] && ok || bad "$page renders to almost nothing"
  # Plain text, hyphenation undone, for searching.
  col -b <"$tmp/$page.txt" | sed -e 's/‐$//' | tr -s ' \t' '  ' >"$tmp/$page.plain"
done
man1=$tmp/provlock.1.plain
man5=$tmp/provlock.toml.5.plain
# Words broken across lines by hyphenation are joined for the searches.
tr '\n' ' ' <"$man1" | sed 's/‐ *//g' | tr -s ' ' >"$tmp/man1.flat"
tr '\n' ' ' <"$man5" | sed 's/‐ *//g' | tr -s ' ' >"$tmp/man5.flat"
mentions() { grep -qF -- "$2" "$1"; }

# --- provlock(1) names every command and flag --help shows ----------------------
paths=("")
for ((n = 0; n < ${#paths[@]}; n++)); do
  path=${paths[n]}
  # shellcheck disable=SC2086
  help=$("$bin" $path --help) || bad "provlock $path --help failed"
  subs=$(printf '%s\n' "$help" | awk '/^Subcommands:/ {s = 1; next} /^[^ ]/ {s = 0} s && NF {print $1}')
  flags=$(printf '%s\n' "$help" | awk '/^Options:/ {s = 1; next} /^[^ ]/ {s = 0} s && $1 ~ /^-/ {print $1}' |
    tr ',' '\n' | grep -- '^-')
  for s in $subs; do paths+=("${path:+$path }$s"); done
  if [ -n "$path" ]; then
    # The command has a section of its own.
    grep -qE "^ +${path}( |\$)" "$man1" && ok || bad "provlock(1) has no section for '$path'"
  fi
  for f in $flags; do
    mentions "$tmp/man1.flat" "$f" && ok || bad "provlock(1) does not mention $f (of provlock $path)"
  done
done
[ ${#paths[@]} -ge 19 ] && ok || bad "--help shows only ${#paths[@]} commands"

# Every decision token (lib/reason.cpp; the CGI's own two are named in the
# CGI section), every exit code.
tokens=$(grep -oE 'return "[a-z-]+"' "$src/lib/reason.cpp" | cut -d'"' -f2 | sort -u |
  grep -vxE 'unknown|no-mac|mac-mismatch')
[ "$(echo $tokens | wc -w)" -ge 12 ] && ok || bad "found too few decision tokens in lib/reason.cpp: $tokens"
for t in $tokens; do
  grep -qE "(allow|deny) $t\b" "$tmp/man1.flat" && ok || bad "provlock(1) does not show the token '$t'"
done
for t in no-mac mac-mismatch; do
  grep -q "$t" "$tmp/man1.flat" && ok || bad "provlock(1) does not name the CGI's reason '$t'"
done
codes=$(grep -oE '= [0-9]+,' "$src/lib/error.hpp" | tr -d '=, ')
[ "$(echo $codes | wc -w)" -ge 10 ] && ok || bad "found too few exit codes in lib/error.hpp: $codes"
exit_section=$(awk '/^EXIT STATUS/ {s = 1; next} /^[A-Z]/ {s = 0} s' "$man1")
for c in $codes; do
  printf '%s\n' "$exit_section" | grep -qE "^ +$c( |\$)" && ok || bad "EXIT STATUS does not list $c"
done
for v in PROVLOCK_STORE PROVLOCK_CONFIG PROVLOCK_NOW; do
  mentions "$man1" "$v" && ok || bad "provlock(1) does not mention $v"
done
for section in "An office moves" "The cron job" "The Apache hook" "The nginx hook" "A self-unban"; do
  grep -qE "^ +$section\$" "$man1" && ok || bad "EXAMPLES lacks '$section'"
done

# --- contrib/provlock.toml is valid and complete ---------------------------------
toml=$src/contrib/provlock.toml
out=$("$bin" --config "$toml" --store "$tmp/store" list 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == MAC* ]] && ok || bad "provlock --config contrib/provlock.toml list: exit $rc: $out"
[ ! -e "$tmp/store" ] && ok || bad "listing an empty store created it"
# Every setting uncommented ("#key = value", and the lines of a "#key = [" array).
awk '/^#[a-z_0-9]+ = / {sub(/^#/, ""); if ($0 ~ /\[/ && $0 !~ /\]/) arr = 1; print; next}
     arr && /^#/ {sub(/^#/, ""); if ($0 ~ /\]/) arr = 0; print; next}
     {print}' "$toml" >"$tmp/uncommented.toml"
settings=$(grep -cE '^[a-z_0-9]+ = ' "$tmp/uncommented.toml")
[ "$settings" -ge 20 ] && ok || bad "only $settings settings could be uncommented in contrib/provlock.toml"
out=$("$bin" --config "$tmp/uncommented.toml" --store "$tmp/store" list 2>&1)
rc=$?
[ $rc -eq 0 ] && ok || bad "contrib/provlock.toml with every setting uncommented: exit $rc: $out"
# A wrong key in it is caught (so the checks above can fail).
sed 's/^#stale_after = /stale_afterr = /' "$toml" >"$tmp/typo.toml"
"$bin" --config "$tmp/typo.toml" --store "$tmp/store" list >/dev/null 2>&1
[ $? -eq 78 ] && ok || bad "a misspelt key in the example is not refused with 78"

# The keys lib/config.cpp knows: every one is a setting or a table of the example.
keys=$(grep -oE '\{"[a-z_0-9]+",' "$src/lib/config.cpp" | tr -d '{",' | sort -u)
[ "$(echo $keys | wc -w)" -ge 25 ] && ok || bad "found too few keys in lib/config.cpp: $keys"
for k in $keys; do
  grep -qE "^(#?$k = |\[$k\]\$)" "$toml" && ok || bad "contrib/provlock.toml does not show the key '$k'"
done
# provlock.toml(5) describes every key of the example, by its dotted name.
dotted=$(awk '/^\[[a-z]+\]$/ {t = substr($0, 2, length($0) - 2); next}
              /^#?[a-z_0-9]+ = / {k = $1; sub(/^#/, "", k); print t "." k}' "$toml")
for d in $dotted; do
  mentions "$tmp/man5.flat" "$d" && ok || bad "provlock.toml(5) does not describe $d"
done

# --- README ---------------------------------------------------------------------
for phrase in scripts/demo scripts/test "## Install" "## The Apache hook" "## The nginx hook" "## Cron" \
  "## An office move" 'provlock list' 'provlock log' cpack; do
  grep -qF -- "$phrase" "$src/README.md" && ok || bad "README.md does not mention '$phrase'"
done

finish
