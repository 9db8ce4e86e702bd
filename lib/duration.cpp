#include "lib/duration.hpp"

#include <array>
#include <charconv>

#include "lib/error.hpp"

namespace provlock {

namespace {

struct Unit {
  char letter;
  std::int64_t seconds;
};

// Largest first: format_duration relies on this order.
constexpr std::array<Unit, 5> kUnits = {
    {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

// Durations end up in JSON records and in sums with times; below 2^53 they
// stay exact as a JSON number and `now + duration` cannot overflow.
constexpr std::int64_t kLimit = std::int64_t{1} << 53;

}  // namespace

std::int64_t parse_duration(std::string_view text) {
  const auto fail = [&](const char* why) {
    return Error(Exit::usage, "invalid duration " + quoted(text) + ": " + why);
  };
  const char* const form = "expected terms like 45s, 30m, 24h, 7d, 2w or a sum such as 1d12h";
  if (text.empty()) throw fail("empty; expected terms like 45s, 30m, 24h, 7d, 2w or 1d12h");
  if (text.front() == '-') throw fail("must not be negative");

  std::int64_t total = 0;
  for (std::string_view rest = text; !rest.empty();) {
    std::uint64_t count = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), count);
    if (end == rest.data()) throw fail(form);
    if (ec == std::errc::result_out_of_range) throw fail("too large (at most 2^53 - 1 seconds)");
    rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
    if (rest.empty()) throw fail("number without a unit (s, m, h, d or w)");
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.letter == rest.front()) unit = &u;
    }
    if (unit == nullptr) throw fail("unknown unit; use s, m, h, d or w");
    rest.remove_prefix(1);
    // Checked against the room left, so neither the product nor the sum can
    // overflow before the limit is noticed.
    const auto room = static_cast<std::uint64_t>((kLimit - 1 - total) / unit->seconds);
    if (count > room) throw fail("too large (at most 2^53 - 1 seconds)");
    total += static_cast<std::int64_t>(count) * unit->seconds;
  }
  if (total == 0) throw fail("must be greater than zero");
  return total;
}

std::string format_duration(std::int64_t seconds) {
  if (seconds == 0) return "0s";
  std::string out;
  // Not a form parse_duration accepts; printed rather than lost if a negative
  // value ever gets here.
  if (seconds < 0) out += '-';
  std::uint64_t rest =
      seconds < 0 ? 0 - static_cast<std::uint64_t>(seconds) : static_cast<std::uint64_t>(seconds);
  for (const Unit& unit : kUnits) {
    const auto size = static_cast<std::uint64_t>(unit.seconds);
    if (rest >= size) {
      out += std::to_string(rest / size);
      out += unit.letter;
      rest %= size;
    }
  }
  return out;
}

}  // namespace provlock

namespace provlock {

int parse_hours(std::string_view text) {
  int hours = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, hours);
  if (text.empty() || ec != std::errc() || ptr != end || hours < 1 || hours > 40)
    throw Error(Exit::usage,
                "invalid --hours " + quoted(text) + ": must be a whole number from 1 to 40");
  return hours;
}

}  // namespace provlock
