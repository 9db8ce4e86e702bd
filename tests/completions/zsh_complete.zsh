#!/usr/bin/env zsh
# Drives zsh's own completion system, as a user at a terminal would: an
# interactive zsh in a pseudo-terminal (zpty) loads the completion script
# with compinit, gets each LINE typed followed by TAB, and records every
# candidate its completion functions offer.
#
# Usage: zsh_complete.zsh COMPLETION_FILE LINE...
# Prints, for each LINE, "== LINE" and then its candidates, one a line.
# Exits 2 if zsh did not answer within 20 seconds.
emulate -L zsh
zmodload zsh/zpty || exit 2

script=$1
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/provlock-zsh.XXXXXX") || exit 2
trap 'zpty -d z 2>/dev/null; rm -rf $work' EXIT
cp -- $script $work/_provlock
out=$work/out

zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=($work \$fpath); autoload -Uz compinit; compinit -u -d $work/dump"
# Record what reaches compadd, unless it is only asked to test matches (-O,
# -A, -D), the way _describe and _arguments probe before they add.
zpty -w z "compadd() { if [[ \${(j: :)@} == *-[OAD]* ]]; then builtin compadd \"\$@\"; return; fi; local -a __hits; builtin compadd -A __hits \"\$@\"; (( \$#__hits )) && print -rl -- \$__hits >>$out; builtin compadd \"\$@\"; }"
# comppostfuncs is emptied on each use: the hook puts itself back.
zpty -w z "_provlock_test_done() { print -r -- '<<done>>' >>$out; comppostfuncs+=(_provlock_test_done); }; comppostfuncs=(_provlock_test_done)"
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; LISTMAX=10000"
zpty -w z "bindkey -e; bindkey '^I' complete-word"

local junk
for line; do
  : >$out
  zpty -w -n z "$line"$'\t'
  for i in {1..200}; do
    [[ -s $out ]] && grep -q '^<<done>>$' $out && break
    sleep 0.1
  done
  grep -q '^<<done>>$' $out || { print -u2 "zsh gave no answer for: $line"; exit 2; }
  print -r -- "== $line"
  grep -v '^<<done>>$' $out | sort -u
  # Clear the line for the next one.
  zpty -w -n z $'\C-e\C-u'
  # Drain what the terminal printed so the pty never fills up.
  while zpty -r -t z junk 2>/dev/null; do :; done
done
exit 0
