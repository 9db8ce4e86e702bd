// SPEC §10: outside text reaches a terminal, a log line or an error message
// escaped; printable() is the one escaper of human-readable output.
#include "lib/error.hpp"

#include <doctest/doctest.h>

#include <string>

#include "lib/json_text.hpp"

using namespace provlock;

namespace {

// Whether a terminal could take `s` as anything but plain text: a control
// byte (C0, DEL), a C1 control (UTF-8 0xc2 0x80..0x9f), or any byte >= 0x80
// at all (the escaped form is ASCII whenever the input was not valid text).
bool has_control(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("error: printable escapes control characters and leaves text") {
  struct Row {
    const char* name;
    std::string in;
    std::string out;
  };
  const Row rows[] = {
      {"plain", "front desk", "front desk"},
      {"newline and CR", "a\nstate: unlocked\r", "a\\x0astate: unlocked\\x0d"},
      {"ESC sequence", "\x1b[2J\x1b]0;owned\x07", "\\x1b[2J\\x1b]0;owned\\x07"},
      {"tab, NUL, DEL", std::string("\t\0\x7f", 3), "\\x09\\x00\\x7f"},
      {"UTF-8 text stays", "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x93\x9e",
       "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x93\x9e"},
      {"C1 controls (CSI, NEL)", "\xc2\x9b[2J\xc2\x85", "\\xc2\\x9b[2J\\xc2\\x85"},
      {"U+00A0 is not a control", "\xc2\xa0", "\xc2\xa0"},
      {"a stray byte", "a\xff-", "a\\xff-"},
      {"a cut sequence", "a\xe2\x82", "a\\xe2\\x82"},
      {"an overlong form", "\xc0\xaf", "\\xc0\\xaf"},
      {"a surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
      {"past U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
      {"a backslash stays", "a\\x0a", "a\\x0a"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    const std::string out = printable(r.in);
    CHECK(out == r.out);
    CHECK_FALSE(has_control(out));
    CHECK(is_utf8(out));
    CHECK(printable(out) == out);  // escaping twice changes nothing
  }
}

TEST_CASE("error: printable with non_ascii escapes every byte >= 0x80") {
  CHECK(printable("Z\xc3\xbc\n", true) == "Z\\xc3\\xbc\\x0a");
  CHECK(quoted("ab\n") == "'ab\\x0a'");
  CHECK(quoted("\xc2\x9b") == "'\\xc2\\x9b'");
  CHECK(quoted(std::string(100, 'a')) == "'" + std::string(64, 'a') + "...'");
}

TEST_CASE("error: every byte string prints without a control character") {
  // Every pair and every byte: nothing raw gets through, and the escaped form
  // is a fixed point.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string in{static_cast<char>(a), static_cast<char>(b), '\xa0'};
      const std::string out = printable(in);
      if (has_control(out) || !is_utf8(out) || printable(out) != out) {
        CAPTURE(a);
        CAPTURE(b);
        FAIL("escaped form has a control character, is not UTF-8 or is not a fixed point");
      }
    }
  }
}
