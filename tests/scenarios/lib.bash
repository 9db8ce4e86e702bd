# Shared by the scenario tests: a throwaway store, a clock set per step, and
# expectations on exit code and output. Each script ends with `finish`, which
# prints "N passed, N failed" and fails if anything did.
set -u
bin=${PROVLOCK_BIN:?set PROVLOCK_BIN to the provlock binary}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-scenario.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The backend: the directory store $tmp/store, or with PROVLOCK_TEST_ETCD
# (endpoints "HOST:PORT,HOST:PORT,...", set by tests/etcd/scenarios_test.sh)
# an etcd store under a prefix of this run's own, its journal in
# $tmp/journal (journal.dir, which `config` always writes). $journal_dir is
# the journal's folder on either backend.
if [[ -n ${PROVLOCK_TEST_ETCD:-} ]]; then
  backend=etcd
  journal_dir=$tmp/journal
  scenario_name=$(basename "$0" .sh)
  export PROVLOCK_STORE=etcd://$PROVLOCK_TEST_ETCD/provlock-scenario/$scenario_name.${tmp##*.}
else
  backend=directory
  journal_dir=$tmp/store/journal
  export PROVLOCK_STORE=$tmp/store
fi
export PROVLOCK_CONFIG=$tmp/provlock.toml
unset PROVLOCK_NOW GATEWAY_INTERFACE REMOTE_ADDR REMOTE_USER
passed=0
out= err= rc=
failed=0

# Records by the path of their file in a directory store (KIND/[SHARD/]KEY.json,
# '*' allowed for the shard), on either backend. On etcd a record's key is
# PREFIX/KIND/KEY (store/etcd/etcd_store.hpp).
etcdctl_store() {
  ETCDCTL_API=3 "${ETCDCTL_BIN:-etcdctl}" --endpoints "$PROVLOCK_TEST_ETCD" \
    --dial-timeout 2s --command-timeout 10s "$@"
}
store_prefix() { local p=${PROVLOCK_STORE#etcd://}; echo "${p#*/}"; }
etcd_key_of() { # etcd_key_of REL
  local base=${1##*/}
  echo "$(store_prefix)/${1%%/*}/${base%.json}"
}
# record REL: prints the record in force (exit 1 if there is none).
record() {
  if [[ $backend == etcd ]]; then
    local key
    key=$(etcd_key_of "$1")
    [[ -n $(etcdctl_store get --keys-only "$key") ]] || return 1
    etcdctl_store get --print-value-only "$key" | head -c -1
  else
    local f
    f=$(compgen -G "$PROVLOCK_STORE/${1%.json}.*" | head -1)
    [[ -n $f ]] || return 1
    python3 "$(dirname "$PROVLOCK_TESTLIB")/record_in_force.py" "${f%.*}.json"
  fi
}
# has_record REL: the record exists.
has_record() { record "$1" >/dev/null; }
# put_record REL: writes stdin as the record's text, as a hand or an older
# provlock would (on a directory store into the file REL, or the first file
# a glob REL names).
put_record() {
  if [[ $backend == etcd ]]; then
    etcdctl_store put "$(etcd_key_of "$1")" >/dev/null
  else
    local f
    f=$(compgen -G "$PROVLOCK_STORE/$1" | head -1)
    cat >"${f:-$PROVLOCK_STORE/$1}"
  fi
}
# record_keys KIND: the keys of KIND's records, one a line, sorted.
record_keys() {
  if [[ $backend == etcd ]]; then
    local p
    p="$(store_prefix)/$1/"
    etcdctl_store get --prefix --keys-only "$p" | sed -n "s|^$p||p" | sort
  else
    find "$PROVLOCK_STORE/$1" \( -name '*.json' -o -name '*.recent' \) -printf '%f\n' 2>/dev/null |
      sed 's/\.[a-z]*$//' | sort -u
  fi
}
# store_snapshot: every record's name and text (on a directory store every
# file's, lock files aside): equal snapshots, an unchanged store.
store_snapshot() {
  if [[ $backend == etcd ]]; then
    etcdctl_store get --prefix "$(store_prefix)/" | sha1sum
    [[ -d $journal_dir ]] && (cd "$journal_dir" && find . -type f -print0 | sort -z | xargs -0 sha1sum)
  else
    (cd "$PROVLOCK_STORE" && find . -type f ! -name .lock -print0 | sort -z | xargs -0 sha1sum)
  fi
}
# store_absent: nothing has made the store (on etcd: no key under its prefix).
store_absent() {
  if [[ $backend == etcd ]]; then
    [[ -z $(etcdctl_store get --prefix --keys-only --limit 1 "$(store_prefix)/") ]]
  else
    [[ ! -e $PROVLOCK_STORE ]]
  fi
}
# store_wipe: removes the whole store (its records; the journal stays).
store_wipe() {
  if [[ $backend == etcd ]]; then
    etcdctl_store del --prefix "$(store_prefix)/" >/dev/null
  else
    rm -rf "$PROVLOCK_STORE"
  fi
}
# drop_record REL: removes a record (on a directory store its file and its
# recent version) behind provlock's back.
drop_record() {
  if [[ $backend == etcd ]]; then
    etcdctl_store del "$(etcd_key_of "$1")" >/dev/null
  else
    rm -f "$PROVLOCK_STORE/$1" "$PROVLOCK_STORE/${1%.json}.recent"
  fi
}
# other_store NAME: a second, empty store of this backend.
other_store() {
  if [[ $backend == etcd ]]; then echo "$PROVLOCK_STORE.$1"; else echo "$tmp/$1"; fi
}

# at TIME: every following command runs at TIME (RFC 3339 or @unix).
at() { export PROVLOCK_NOW=$1; }

# config LINES...: replaces the config file. On etcd it also names the
# journal's folder: `dir` goes under the LINES' own [journal] table if they
# have one, else a [journal] table goes before their first table (after
# their top-level keys), or at the end.
config() {
  if [[ $backend == directory ]]; then
    printf '%s\n' "$@" >"$PROVLOCK_CONFIG"
    return
  fi
  local line dir="dir = \"$journal_dir\"" done=
  local table_re='^[[:space:]]*\['
  local journal_re='^[[:space:]]*\[[[:space:]]*journal[[:space:]]*\][[:space:]]*(#.*)?$'
  for line in "$@"; do
    [[ $line =~ $journal_re ]] && done=own
  done
  {
    for line in "$@"; do
      if [[ -z $done && $line =~ $table_re ]]; then
        printf '[journal]\n%s\n' "$dir"
        done=yes
      fi
      printf '%s\n' "$line"
      if [[ $done == own && $line =~ $journal_re ]]; then
        printf '%s\n' "$dir"
        done=yes
      fi
    done
    if [[ -z $done ]]; then printf '[journal]\n%s\n' "$dir"; fi
  } >"$PROVLOCK_CONFIG"
}
if [[ $backend == directory ]]; then : >"$PROVLOCK_CONFIG"; else config; fi

# run ARGS...: runs provlock; sets $out, $err, $rc.
run() {
  out=$("$bin" "$@" 2>"$tmp/stderr")
  rc=$?
  err=$(cat "$tmp/stderr")
}

ok() {
  passed=$((passed + 1))
}
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
  echo "      stdout: $out" >&2
  echo "      stderr: $err" >&2
}

# expect RC OUTPUT ARGS...: provlock ARGS exits RC and prints exactly OUTPUT
# ('*' accepts any output).
expect() {
  local want_rc=$1 want_out=$2
  shift 2
  run "$@"
  if [[ $rc == "$want_rc" && ($want_out == '*' || $out == "$want_out") ]]; then
    ok
  else
    bad "provlock $* -> exit $rc, wanted exit $want_rc and output '$want_out'"
  fi
}

# allow REASON MAC IP [flags] / deny REASON MAC IP [flags]: a check's verdict.
allow() {
  local reason=$1
  shift
  expect 0 "allow $reason" check "$@"
}
deny() {
  local reason=$1
  shift
  expect 1 "deny $reason" check "$@"
}

# contains TEXT WHAT: the last run's stdout+stderr contains TEXT.
contains() {
  if [[ "$out$err" == *"$1"* ]]; then ok; else bad "${2:-output} does not contain '$1'"; fi
}

# field MAC KEY VALUE: `show MAC --json` has KEY equal to VALUE (JSON text).
field() {
  run show "$1" --json
  local got
  got=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin).get('$2')))")
  if [[ $got == "$3" ]]; then ok; else bad "show $1: $2 is $got, wanted $3"; fi
}

# assert CONDITION DESCRIPTION: a shell test.
assert() {
  if eval "$1"; then ok; else bad "$2"; fi
}

finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
