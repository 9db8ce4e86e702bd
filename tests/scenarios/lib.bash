# Shared by the scenario tests: a throwaway store, a clock set per step, and
# expectations on exit code and output. Each script ends with `finish`, which
# prints "N passed, N failed" and fails if anything did.
set -u
bin=${PROVLOCK_BIN:?set PROVLOCK_BIN to the provlock binary}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/provlock-scenario.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export PROVLOCK_STORE=$tmp/store PROVLOCK_CONFIG=$tmp/provlock.toml
unset PROVLOCK_NOW GATEWAY_INTERFACE REMOTE_ADDR REMOTE_USER
: >"$PROVLOCK_CONFIG"
passed=0
out= err= rc=
failed=0

# at TIME: every following command runs at TIME (RFC 3339 or @unix).
at() { export PROVLOCK_NOW=$1; }

# config LINES...: replaces the config file.
config() { printf '%s\n' "$@" >"$PROVLOCK_CONFIG"; }

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
