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

// `text` as it may reach a terminal or a log line (SPEC §10): every control
// character is escaped byte by byte as "\x0a" (C0, DEL, and C1, U+0080 to
// U+009F, as "\xc2\x9b"), and so is every byte that is not part of valid
// UTF-8 ("\xff"); other UTF-8 text stays as it is. With `non_ascii`, every
// byte >= 0x80 is escaped, for a value that is not text a terminal can show.
// This is the one escaper of outside text for human-readable output; the
// result is one line, and escaping it again changes nothing.
std::string printable(std::string_view text, bool non_ascii = false);

// The value as it appears between quotes in a message: escaped as by
// printable() and long values cut, so the message stays one readable line
// whatever was typed or sent. quoted("ab\n") is "'ab\x0a'".
std::string quoted(std::string_view text, bool non_ascii = false);

}  // namespace provlock
