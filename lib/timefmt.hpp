// Points in time as SPEC §2 accepts and prints them. Times are whole seconds
// since the Unix epoch (UTC); sub-second parts of input are dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/error.hpp"

namespace provlock {

using UnixTime = std::int64_t;

// The span of times provlock stores (SPEC §2, bounds): every stored time is
// one parse_time reads back. 9999-12-31T23:59:59Z and the Unix epoch.
inline constexpr UnixTime kLatestTime = 253402300799;
inline constexpr UnixTime kEarliestTime = 0;

// An hour and a day in seconds, for the rules SPEC states in hours or days
// (the 24 hours of self-unban, the --hours of a window or an unlock-all).
inline constexpr std::int64_t kSecondsPerHour = 3600;
inline constexpr std::int64_t kSecondsPerDay = 24 * kSecondsPerHour;

// Every time limit provlock keeps (an unlock, an unlock-all, a window, a ban,
// the memory of a quiet address) ends at its second: a limit `until` is in
// force while now < until, and has run out from now == until on. Every rule
// that asks whether a limit holds asks this, so that no two of them can
// disagree about the edge second.
inline bool ran_out(UnixTime until, UnixTime now) {
  return until <= now;
}

// `now` + `length` seconds (length >= 0, now within the span), or nullopt
// when that would fall after kLatestTime: the caller refuses it with the exit
// code of where the length came from (64 for a flag, 78 for a config key)
// before anything is written. See end_of for the usual refusal.
std::optional<UnixTime> time_after(UnixTime now, std::int64_t length);

// time_after, or Error(`code`) saying that `what` (e.g. "--for 500000w")
// starting at `now` would end after 9999-12-31T23:59:59Z.
UnixTime end_of(UnixTime now, std::int64_t length, Exit code, const std::string& what);

// Parses RFC 3339 ("2026-11-26T12:00:00Z", "2026-11-26t12:00:00.5+01:00",
// "2026-11-26 12:00:00-05:30") or "@<unix seconds>" ("@1764158400", may be
// negative). Throws Error(Exit::usage) naming the value on anything else,
// including out-of-range fields (month 13, Feb 30, hour 24, second 60: a leap
// second has no Unix time), offsets beyond +-23:59, years outside 0001..9999,
// and "@" values outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z.
UnixTime parse_time(std::string_view text);

// RFC 3339 in UTC with a "Z" suffix and no fraction: "2026-11-26T12:00:00Z".
// Defined for every value; one outside the years 0000..9999 (never a parsed
// time) prints with a sign or more year digits rather than wrapping.
std::string format_time(UnixTime t);

// The time whose format_time is exactly `text`, or nullopt for any other
// text (another valid form of a time included). For readers that must take
// only the one form a writer writes, without writing it again to compare.
std::optional<UnixTime> parse_formatted_time(std::string_view text);

}  // namespace provlock
