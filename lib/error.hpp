// The one error type of provlock: every failure that reaches the user carries
// the exit code of SPEC §10 and a message that names the value or file at fault.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace provlock {

// Exit codes of SPEC §10. Values are part of the contract.
enum class Exit : int {
  ok = 0,
  deny = 1,
  usage = 64,
  data = 65,
  no_device = 66,
  cant_create = 73,
  io = 74,
  temp_fail = 75,
  no_perm = 77,
  config = 78,
  internal = 70,  // a bug: EX_SOFTWARE, outside the contract's table but never 0 or 1
};

// Thrown by every layer; only main() turns it into "provlock: <what>" on stderr
// and the exit code.
class Error : public std::runtime_error {
 public:
  Error(Exit code, const std::string& what) : std::runtime_error(what), code_(code) {}
  Exit code() const noexcept { return code_; }

 private:
  Exit code_;
};

// `text` with control bytes escaped ("\x0a"), so that a message made of
// outside input stays one line (SPEC §10). With `non_ascii`, bytes >= 0x80
// too ("\xff"), for a value that is not text a terminal can show.
std::string printable(std::string_view text, bool non_ascii = false);

// The value as it appears between quotes in a message: control bytes (and
// with `non_ascii` bytes >= 0x80) are escaped and long values cut, so the
// message stays one readable line whatever was typed or sent. quoted("ab\n")
// is "'ab\x0a'".
std::string quoted(std::string_view text, bool non_ascii = false);

}  // namespace provlock
