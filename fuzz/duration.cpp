// Durations and --hours (SPEC §2, §6): what parses is positive and below
// 2^53 and survives format_duration; format_duration takes any value.
#include <cstring>

#include "fuzz/fuzz.hpp"
#include "lib/duration.hpp"

using namespace provlock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  try {
    const std::int64_t seconds = parse_duration(text);
    fuzz::require(seconds > 0 && seconds < (std::int64_t{1} << 53), "a duration is in 1..2^53-1");
    const std::string canonical = format_duration(seconds);
    fuzz::require(parse_duration(canonical) == seconds, "format_duration parses back:", canonical);
  } catch (const Error& e) {
    fuzz::code_is(e, Exit::usage);
  }
  try {
    const int hours = parse_hours(text);
    fuzz::require(hours >= 1 && hours <= 40, "--hours is 1..40");
  } catch (const Error& e) {
    fuzz::code_is(e, Exit::usage);
  }
  if (size >= 8) {
    std::int64_t any;
    std::memcpy(&any, data, 8);
    (void)format_duration(any);  // defined for every value, negative ones too
  }
  return 0;
}
