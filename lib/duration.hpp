// Durations as SPEC §2 accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace provlock {

// Parses "45s", "30m", "24h", "7d", "2w" or a sum of such terms without
// spaces ("1d12h", "1w2d3h4m5s"; units may repeat and come in any order).
// Returns seconds. Throws Error(Exit::usage) naming the value for an empty or
// malformed text, a zero total, a negative sign, or a total that does not fit
// in 2^53 seconds.
std::int64_t parse_duration(std::string_view text);

// The shortest text of parse_duration's form for `seconds` (> 0), e.g.
// 129600 -> "1d12h", 604800 -> "1w". Zero prints "0s".
std::string format_duration(std::int64_t seconds);

}  // namespace provlock
