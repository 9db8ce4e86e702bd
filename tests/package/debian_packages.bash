# Sourced by the packaging and completion tests: installs the Debian
# packages a test needs when their commands are missing. Tests run in
# parallel (ctest -j) beside others that also install packages, so apt waits
# for the dpkg lock and retries an update that found the lists locked.

# need_commands COMMAND=PACKAGE...: installs PACKAGE for each COMMAND not
# found. Returns non-zero (and says why) when that is not possible.
need_commands() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local try
  for try in 1 2 3 4 5; do
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null 2>&1 && return 0
    sleep $((try * 5))
  done
  echo "apt-get install ${missing[*]} failed" >&2
  return 1
}

# The pass/fail counters these tests share; each ends with `finish`.
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
