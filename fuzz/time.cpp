// Times (SPEC §2, --now and PROVLOCK_NOW): what parses lies in the years
// 0001..9999 and survives format_time; format_time takes any value.
#include <cstring>

#include "fuzz/fuzz.hpp"
#include "lib/timefmt.hpp"

using namespace provlock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  try {
    const UnixTime t = parse_time(text);
    // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z
    fuzz::require(t >= -62135596800 && t <= 253402300799, "a parsed time lies in 0001..9999");
    const std::string s = format_time(t);
    fuzz::require(s.size() == 20 && s.back() == 'Z', "format_time is RFC 3339 UTC:", s);
    fuzz::require(parse_time(s) == t, "format_time parses back:", s);
    fuzz::require(parse_time("@" + std::to_string(t)) == t, "@unix parses back");
  } catch (const Error& e) {
    fuzz::code_is(e, Exit::usage);
  }
  if (size >= 8) {
    std::int64_t any;
    std::memcpy(&any, data, 8);
    (void)format_time(any);  // "defined for every value"
  }
  return 0;
}
