// JSON text written directly (lib/json_text.hpp): strings as nlohmann's dump
// writes them, and the UTF-8 check that decides what dump would refuse.
#include "lib/json_text.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace {

using namespace provlock;

// Whether nlohmann's dump takes `s` as a string.
bool dump_takes(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace

TEST_CASE("json text: is_utf8 takes exactly what dump takes") {
  const std::vector<std::string> cases = {
      "",
      "plain",
      "Z\xc3\xbcrich",
      "\xe6\x9d\xb1\xe4\xba\xac",
      "\xf0\x9f\x93\x9e",
      "\xef\xbf\xbf",      // U+FFFF
      "\xf4\x8f\xbf\xbf",  // U+10FFFF
      "\xff",
      "\xc0\xaf",
      "\xc1\xbf",          // never in UTF-8; overlong
      "\xe0\x80\xaf",      // overlong
      "\xed\xa0\x80",      // a surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
      "\xc3",
      "\xe6\x9d",
      "\xf0\x9f\x93",  // cut short
      "\x80",
      "a\xbf",  // a continuation byte alone
  };
  for (const std::string& s : cases) CHECK_MESSAGE(is_utf8(s) == dump_takes(s), s);
  CHECK(is_utf8("Z\xc3\xbcrich"));
  CHECK_FALSE(is_utf8("\xed\xa0\x80"));

  // Random byte strings, weighted toward the bytes UTF-8 is made of.
  std::mt19937_64 rng(3);
  const std::string bytes = "a\x7f\x80\x8f\x90\x9f\xa0\xbf\xc0\xc2\xdf\xe0\xed\xef\xf0\xf4\xf5\xff";
  int valid = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    for (int n = static_cast<int>(rng() % 6); n > 0; --n) s += bytes[rng() % bytes.size()];
    const bool ok = is_utf8(s);
    REQUIRE_MESSAGE(ok == dump_takes(s), s);
    valid += ok;
  }
  CHECK(valid > 1000);
}

TEST_CASE("json text: a string is written as dump writes it") {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int n = static_cast<int>(rng() % 12); n > 0; --n) s += static_cast<char>(rng() % 0x80);
    if (rng() % 4 == 0) s += "\xc3\xa9";
    std::string out;
    append_json_string(out, s);
    REQUIRE(out == nlohmann::json(s).dump());
  }
}
