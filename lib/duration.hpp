// Durations as SPEC §2 accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace provlock {

// Parses "45s", "30m", "24h", "7d", "2w" or a sum of such terms without
// spaces ("1d12h", "1w2d3h4m5s"; units may repeat and come in any order).
// Each term is decimal digits (leading zeros allowed) and one lowercase unit.
// Returns seconds. Throws Error(Exit::usage) naming the value for an empty or
// malformed text, a zero total, a negative sign, or a total of 2^53 seconds or
// more (the largest accepted is 2^53 - 1, exact as a JSON number).
std::int64_t parse_duration(std::string_view text);

// The canonical text of parse_duration's form for `seconds` (> 0): largest
// units first, each unit at most once, zero terms left out, e.g.
// 129600 -> "1d12h" (not "36h"), 691200 -> "1w1d", 604800 -> "1w". Zero prints
// "0s"; a negative value prints as "-" and its magnitude (not parseable).
std::string format_duration(std::int64_t seconds);

}  // namespace provlock

namespace provlock {

// The --hours of unlock-all and window (SPEC §6): a whole number from 1 to
// 40. Throws Error(Exit::usage) naming the value and the range otherwise.
int parse_hours(std::string_view text);

}  // namespace provlock
