#!/usr/bin/env bash
# The completion scripts that `provlock completions bash|zsh|fish` made at
# build time offer every command and flag that `--help` shows, each in a
# real shell: bash's completion function is called as bash calls it (COMP_WORDS,
# COMP_CWORD, COMPREPLY), fish answers `complete -C`, and zsh's completion
# system runs in a pseudo-terminal (zsh_complete.zsh). Values from the store
# (device MACs, open windows, bans) come from a throwaway store. The copies
# committed in completions/ must equal the generated ones.
#
# Usage: completions_test.sh PROVLOCK_BINARY GENERATED_DIR COMMITTED_DIR
# Installs zsh and fish from Debian when missing (as root).
set -u -o pipefail

bin=$(realpath "${1:?usage: completions_test.sh PROVLOCK_BINARY GENERATED_DIR COMMITTED_DIR}")
gen=$(realpath "${2:?generated completions directory}")
committed=$(realpath "${3:?committed completions directory}")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../package/debian_packages.bash"


need_commands zsh=zsh fish=fish || {
  bad "zsh and fish are needed"
  finish
  exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-completions.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export PROVLOCK_STORE=$tmp/store PROVLOCK_CONFIG=$tmp/provlock.toml
unset PROVLOCK_NOW
: >"$PROVLOCK_CONFIG"
# The scripts run `provlock` from PATH to list what the store holds.
export PATH=$(dirname "$bin"):$PATH
[ "$(command -v provlock)" = "$bin" ] || bad "provlock on PATH is not $bin"

# --- The generated scripts, and the committed copies ----------------------------
scripts=("$gen/provlock.bash" "$gen/_provlock" "$gen/provlock.fish")
for f in "${scripts[@]}"; do
  if [ -s "$f" ]; then ok; else bad "$f was not generated"; fi
  name=$(basename "$f")
  if cmp -s "$f" "$committed/$name"; then
    ok
  else
    bad "completions/$name differs from the generated $f;" \
      "refresh it with: cmake --build <build dir> --target update-completions"
  fi
done

# --- What --help shows: every command path, its subcommands and its flags -----
# Keyed by "k:" and the path: bash refuses an empty key.
declare -A commands_of flags_of
paths=("")
for ((n = 0; n < ${#paths[@]}; n++)); do
  path=${paths[n]}
  # shellcheck disable=SC2086
  help=$("$bin" $path --help) || bad "provlock $path --help failed"
  subs=$(printf '%s\n' "$help" | awk '/^Subcommands:/ {s = 1; next} /^[^ ]/ {s = 0} s && NF {print $1}')
  flags=$(printf '%s\n' "$help" | awk '/^Options:/ {s = 1; next} /^[^ ]/ {s = 0} s && $1 ~ /^-/ {print $1}' |
    tr ',' '\n' | grep -- '^-')
  commands_of[k:$path]=$(echo $subs)
  flags_of[k:$path]=$(echo $flags)
  for s in $subs; do paths+=("${path:+$path }$s"); done
done
globals=$(echo "${flags_of[k:]}" | tr ' ' '\n' | grep -vx -- '-h\|--help\|--version' | tr '\n' ' ')
[ ${#paths[@]} -ge 19 ] && ok || bad "--help shows only ${#paths[@]} command paths: ${paths[*]}"
for want in "unlock-all" "window open" "ban remove" "help"; do
  [[ " ${paths[*]/%/|} " == *" $want|"* ]] && ok || bad "--help does not reach '$want'"
done
[[ " ${flags_of[k:list]} " == *" --state "* && " $globals " == *" --store "* ]] && ok ||
  bad "--help parsing found no --state for list or no --store: '${flags_of[k:list]}' '$globals'"

# Every command name and flag appears in every script.
for f in "${scripts[@]}"; do
  for path in "${paths[@]}"; do
    for word in ${commands_of[k:$path]} ${flags_of[k:$path]}; do
      w=${word#-}
      w=${w#-}
      grep -qE -- "(^|[^a-z-])-{0,2}${w}([^a-z-]|\$)" "$f" && ok ||
        bad "$(basename "$f") does not mention '$word' (of provlock $path)"
    done
  done
done

# A store with two devices, an open window and a ban.
"$bin" add 805ec0000001 805ec0000002 >/dev/null &&
  "$bin" window open 192.0.2.10 --hours 2 >/dev/null &&
  "$bin" ban add 198.51.100.9 >/dev/null || bad "cannot fill the throwaway store"
macs="805ec0000001 805ec0000002"
states="blocked locked new stale unlocked"

# same_set WHAT GOT WANT: the two word lists hold the same words.
same_set() {
  local got want
  got=$(printf '%s\n' $2 | sort -u | tr '\n' ' ')
  want=$(printf '%s\n' $3 | sort -u | tr '\n' ' ')
  if [ "$got" = "$want" ]; then ok; else bad "$1: offered '$got', wanted '$want'"; fi
}
# has_all WHAT GOT WANT: every word of WANT is in GOT.
has_all() {
  local w missing=
  for w in $3; do [[ " $(echo $2) " == *" $w "* ]] || missing+=" $w"; done
  if [ -z "$missing" ]; then ok; else bad "$1: does not offer$missing (offered: $(echo $2))"; fi
}

# --- bash -------------------------------------------------------------------------
# shellcheck disable=SC1091
source "$gen/provlock.bash" 2>"$tmp/bash.err" && [ ! -s "$tmp/bash.err" ] && ok ||
  bad "bash: sourcing provlock.bash failed: $(cat "$tmp/bash.err")"
[[ $(complete -p provlock 2>/dev/null) == "complete -F _provlock provlock" ]] && ok ||
  bad "bash: provlock.bash does not register _provlock"
# bash_complete WORD...: COMPREPLY for the words, the cursor in the last one.
bash_complete() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _provlock 2>/dev/null
  echo "${COMPREPLY[*]}"
}
same_set "bash: provlock un<TAB>" "$(bash_complete provlock un)" "unlock unlock-all"
for path in "${paths[@]}"; do
  # shellcheck disable=SC2086
  has_all "bash: provlock $path -<TAB>" "$(bash_complete provlock $path -)" "${flags_of[k:$path]} $globals"
  if [ -n "${commands_of[k:$path]}" ]; then
    # shellcheck disable=SC2086
    same_set "bash: provlock $path <TAB>" "$(bash_complete provlock $path '')" "${commands_of[k:$path]}"
  fi
done
same_set "bash: list --state <TAB>" "$(bash_complete provlock list --state '')" "$states"
same_set "bash: list --state=lo<TAB>" "$(bash_complete provlock list --state = lo)" "locked"
same_set "bash: show <TAB>" "$(bash_complete provlock show '')" "$macs"
same_set "bash: unlock MAC <TAB>" "$(bash_complete provlock unlock 805ec0000001 '')" "$macs"
same_set "bash: remove 805ec<TAB>" "$(bash_complete provlock --json remove 805ec)" "$macs"
same_set "bash: add <TAB> offers no stored MAC" "$(bash_complete provlock add '')" ""
same_set "bash: window close <TAB>" "$(bash_complete provlock window close '')" "192.0.2.10"
same_set "bash: ban remove <TAB>" "$(bash_complete provlock ban remove '')" "198.51.100.9/32"
same_set "bash: help <TAB>" "$(bash_complete provlock help '')" "${commands_of[k:]}"
mkdir -p "$tmp/other/store-b"
same_set "bash: --store DIR<TAB>" "$(bash_complete provlock --store "$tmp/other/sto")" "$tmp/other/store-b"
same_set "bash: show with another --store" "$(bash_complete provlock --store "$tmp/other/store-b" show '')" ""

# --- fish -------------------------------------------------------------------------
fish -n "$gen/provlock.fish" 2>"$tmp/fish.err" && [ ! -s "$tmp/fish.err" ] && ok ||
  bad "fish: provlock.fish does not parse: $(cat "$tmp/fish.err")"
fish_complete() {
  fish --no-config -c "source $gen/provlock.fish; complete -C '$1'" 2>>"$tmp/fish.err" | cut -f1
}
same_set "fish: provlock un<TAB>" "$(fish_complete 'provlock un')" "unlock unlock-all"
for path in "${paths[@]}"; do
  has_all "fish: provlock $path -<TAB>" "$(fish_complete "provlock ${path:+$path }-")" "${flags_of[k:$path]} $globals"
  if [ -n "${commands_of[k:$path]}" ]; then
    same_set "fish: provlock $path <TAB>" "$(fish_complete "provlock ${path:+$path }")" "${commands_of[k:$path]}"
  fi
done
same_set "fish: list --state <TAB>" "$(fish_complete 'provlock list --state ')" "$states"
same_set "fish: show <TAB>" "$(fish_complete 'provlock show ')" "$macs"
same_set "fish: unlock MAC <TAB>" "$(fish_complete 'provlock unlock 805ec0000001 ')" "$macs"
same_set "fish: window close <TAB>" "$(fish_complete 'provlock window close ')" "192.0.2.10"
same_set "fish: ban remove <TAB>" "$(fish_complete 'provlock ban remove ')" "198.51.100.9/32"
[ ! -s "$tmp/fish.err" ] && ok || bad "fish printed errors: $(cat "$tmp/fish.err")"

# --- zsh --------------------------------------------------------------------------
zsh -n "$gen/_provlock" 2>"$tmp/zsh.err" && [ ! -s "$tmp/zsh.err" ] && ok ||
  bad "zsh: _provlock does not parse: $(cat "$tmp/zsh.err")"
mkdir -p "$tmp/fpath" && cp "$gen/_provlock" "$tmp/fpath/"
zsh -f -c "fpath=($tmp/fpath \$fpath); autoload -Uz compinit; compinit -u -d $tmp/zcompdump
  [[ \$_comps[provlock] == _provlock ]] || { print -u2 'compinit did not pick up _provlock'; exit 1 }
  autoload +X _provlock" >"$tmp/zsh.out" 2>&1 && [ ! -s "$tmp/zsh.out" ] && ok ||
  bad "zsh: _provlock does not load with compinit: $(cat "$tmp/zsh.out")"

lines=("provlock un" "provlock list --state " "provlock show " "provlock unlock 805ec0000001 "
  "provlock window close " "provlock ban remove " "provlock help ")
for path in "${paths[@]}"; do
  lines+=("provlock ${path:+$path }-")
  [ -n "${commands_of[k:$path]}" ] && lines+=("provlock ${path:+$path }")
done
zsh "$here/zsh_complete.zsh" "$gen/_provlock" "${lines[@]}" >"$tmp/zsh.out" 2>"$tmp/zsh.err" ||
  bad "zsh: the completion driver failed: $(cat "$tmp/zsh.err")"
# zsh_offers LINE: what zsh offered for LINE.
zsh_offers() {
  awk -v want="== $1" '$0 == want {s = 1; next} /^== / {s = 0} s' "$tmp/zsh.out"
}
same_set "zsh: provlock un<TAB>" "$(zsh_offers 'provlock un')" "unlock unlock-all"
for path in "${paths[@]}"; do
  has_all "zsh: provlock $path -<TAB>" "$(zsh_offers "provlock ${path:+$path }-")" "${flags_of[k:$path]} $globals"
  if [ -n "${commands_of[k:$path]}" ]; then
    same_set "zsh: provlock $path <TAB>" "$(zsh_offers "provlock ${path:+$path }")" "${commands_of[k:$path]}"
  fi
done
same_set "zsh: list --state <TAB>" "$(zsh_offers 'provlock list --state ')" "$states"
same_set "zsh: show <TAB>" "$(zsh_offers 'provlock show ')" "$macs"
same_set "zsh: unlock MAC <TAB>" "$(zsh_offers 'provlock unlock 805ec0000001 ')" "$macs"
same_set "zsh: window close <TAB>" "$(zsh_offers 'provlock window close ')" "192.0.2.10"
same_set "zsh: ban remove <TAB>" "$(zsh_offers 'provlock ban remove ')" "198.51.100.9/32"
same_set "zsh: help <TAB>" "$(zsh_offers 'provlock help ')" "${commands_of[k:]}"

# The hidden command stays hidden.
for f in "${scripts[@]}"; do
  grep -qw "completions" <(grep -v '^#' "$f") && bad "$(basename "$f") offers the hidden 'completions'" || ok
done

finish
