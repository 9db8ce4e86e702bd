#include "lib/timefmt.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <random>
#include <string>

#include "lib/error.hpp"

using provlock::Error;
using provlock::Exit;
using provlock::format_time;
using provlock::parse_time;
using provlock::UnixTime;

namespace {

// 2026-11-26T12:00:00Z, as `date -u -d 2026-11-26T12:00:00Z +%s` prints it.
constexpr UnixTime kNoon = 1795694400;

// Checks that `text` is refused with exit 64 and a message that names the
// value and contains `reason`.
void check_rejected(const std::string& text, const std::string& reason) {
  CAPTURE(text);
  CHECK_THROWS_AS(parse_time(text), Error);
  try {
    parse_time(text);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    const std::string message = e.what();
    CHECK(message.starts_with("invalid time '"));
    CHECK(message.find(reason) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("time: RFC 3339 in UTC") {
  CHECK(parse_time("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_time("2026-11-26T12:00:00Z") == kNoon);
  CHECK(parse_time("2026-11-26t12:00:00z") == kNoon);
  CHECK(parse_time("2026-11-26 12:00:00Z") == kNoon);
  CHECK(parse_time("2000-02-29T00:00:00Z") == 951782400);
  CHECK(parse_time("2024-02-29T12:34:56Z") == 1709210096);
  CHECK(parse_time("1900-03-01T00:00:00Z") == -2203891200);
  CHECK(parse_time("1969-12-31T23:59:59Z") == -1);
}

TEST_CASE("time: fractional seconds are dropped, never rounded up") {
  CHECK(parse_time("2026-11-26T12:00:00.0Z") == kNoon);
  CHECK(parse_time("2026-11-26T12:00:00.5Z") == kNoon);
  CHECK(parse_time("2026-11-26T12:00:00.999999999999Z") == kNoon);
  CHECK(parse_time("2026-11-26T11:59:59.999Z") == kNoon - 1);
  CHECK(parse_time("1969-12-31T23:59:59.9Z") == -1);
  CHECK(parse_time("2026-11-26t12:00:00.5+01:00") == kNoon - 3600);
}

TEST_CASE("time: offsets") {
  CHECK(parse_time("2026-11-26T13:00:00+01:00") == kNoon);
  CHECK(parse_time("2026-11-26 12:00:00-05:30") == kNoon + 5 * 3600 + 1800);
  CHECK(parse_time("2026-11-26T12:00:00+00:00") == kNoon);
  CHECK(parse_time("2026-11-26T12:00:00-00:00") == kNoon);
  CHECK(parse_time("2026-11-27T11:59:00+23:59") == kNoon);
  CHECK(parse_time("2026-01-01T00:30:00+01:00") == parse_time("2025-12-31T23:30:00Z"));
  CHECK(parse_time("2025-12-31T23:30:00-01:00") == parse_time("2026-01-01T00:30:00Z"));
}

TEST_CASE("time: leap years and month lengths") {
  CHECK(parse_time("2024-02-29T00:00:00Z") + 86400 == parse_time("2024-03-01T00:00:00Z"));
  CHECK(parse_time("2000-02-29T00:00:00Z") + 86400 == parse_time("2000-03-01T00:00:00Z"));
  CHECK(parse_time("2023-02-28T00:00:00Z") + 86400 == parse_time("2023-03-01T00:00:00Z"));
  CHECK(parse_time("2024-12-31T23:59:59Z") + 1 == parse_time("2025-01-01T00:00:00Z"));
  check_rejected("2023-02-29T00:00:00Z", "day 29 does not exist in 2023-02");
  check_rejected("1900-02-29T00:00:00Z", "day 29 does not exist");
  check_rejected("2100-02-29T00:00:00Z", "day 29 does not exist");
  check_rejected("2024-02-30T00:00:00Z", "day 30 does not exist");
  check_rejected("2026-04-31T00:00:00Z", "day 31 does not exist");
  check_rejected("2026-01-00T00:00:00Z", "day 00 does not exist");
  check_rejected("2026-01-32T00:00:00Z", "day 32 does not exist");
}

TEST_CASE("time: out-of-range fields") {
  check_rejected("2026-13-01T00:00:00Z", "month 13 is out of range 01-12");
  check_rejected("2026-00-01T00:00:00Z", "month 00 is out of range");
  check_rejected("2026-11-26T24:00:00Z", "hour 24 is out of range 00-23");
  check_rejected("2026-11-26T12:60:00Z", "minute 60 is out of range");
  check_rejected("2026-12-31T23:59:60Z", "second 60 is out of range");
  check_rejected("2026-11-26T12:00:00+24:00", "offset +24:00 is out of range");
  check_rejected("2026-11-26T12:00:00-01:60", "offset -01:60 is out of range");
  check_rejected("0000-01-01T00:00:00Z", "outside 0001-9999");
}

TEST_CASE("time: the years 0001 to 9999") {
  CHECK(parse_time("0001-01-01T00:00:00Z") == -62135596800);
  CHECK(parse_time("9999-12-31T23:59:59Z") == 253402300799);
  CHECK(format_time(-62135596800) == "0001-01-01T00:00:00Z");
  CHECK(format_time(253402300799) == "9999-12-31T23:59:59Z");
  check_rejected("10000-01-01T00:00:00Z", "expected RFC 3339");
}

TEST_CASE("time: @unix seconds") {
  CHECK(parse_time("@0") == 0);
  CHECK(parse_time("@1795694400") == kNoon);
  CHECK(parse_time("@-5") == -5);
  CHECK(parse_time("@-0") == 0);
  CHECK(parse_time("@-62135596800") == -62135596800);
  CHECK(parse_time("@253402300799") == 253402300799);
  check_rejected("@-62135596801", "outside the years 0001-9999");
  check_rejected("@253402300800", "outside the years 0001-9999");
  check_rejected("@99999999999999999999", "outside the years 0001-9999");
  for (const char* text :
       {"@", "@abc", "@5s", "@+5", "@ 5", "@1.5", "@--5", "@-", "@5 ", "@0x10"}) {
    check_rejected(text, "expected @ followed by whole seconds");
  }
}

TEST_CASE("time: anything else is rejected") {
  for (const char* text : {
           "",
           "garbage",
           "now",
           "1795694400",  // seconds need the '@'
           "2026-11-26",
           "2026-11-26T12:00Z",
           "2026-11-26X12:00:00Z",
           "2026-11-26T12:00:00UTC",
           "2026-11-26T12:00:00+0100",
           "2026-11-26T12:00:00+01",
           "2026-11-26T12:00:00+1:00",
           "2026/11/26T12:00:00Z",
           "26-11-26T12:00:00Z",
           "2026-1-26T12:00:00Z",
           "2026-11-26T12:00:00Z ",
           " 2026-11-26T12:00:00Z",
           "2026-11-26T12:00:00ZZ",
           "2026-11-26T12:00:00,5Z",
           "2026-11-26TT12:00:00Z",
           "+2026-11-26T12:00:00Z",
           "-001-11-26T12:00:00Z",
       }) {
    check_rejected(text, "expected RFC 3339");
  }
  check_rejected("2026-11-26T12:00:00", "no offset");
  check_rejected("2026-11-26T12:00:00.5", "no offset");
  check_rejected("2026-11-26T12:00:00.Z", "no digits after '.'");
}

TEST_CASE("time: the message names the value") {
  try {
    parse_time("2026-13-01T00:00:00Z");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).starts_with("invalid time '2026-13-01T00:00:00Z': "));
  }
}

TEST_CASE("time: format_time") {
  CHECK(format_time(0) == "1970-01-01T00:00:00Z");
  CHECK(format_time(kNoon) == "2026-11-26T12:00:00Z");
  CHECK(format_time(-1) == "1969-12-31T23:59:59Z");
  CHECK(format_time(951782400) == "2000-02-29T00:00:00Z");
  CHECK(format_time(1709210096) == "2024-02-29T12:34:56Z");
  CHECK(format_time(-2203891200) == "1900-03-01T00:00:00Z");
  CHECK(format_time(parse_time("2026-11-26 12:00:00-05:30")) == "2026-11-26T17:30:00Z");
}

TEST_CASE("time: format_time never breaks on extreme values") {
  const std::string high = format_time(std::numeric_limits<UnixTime>::max());
  const std::string low = format_time(std::numeric_limits<UnixTime>::min());
  CHECK(high.ends_with("Z"));
  CHECK(low.starts_with("-"));
  CHECK(low.ends_with("Z"));
  CHECK(format_time(253402300800) == "10000-01-01T00:00:00Z");
  CHECK(format_time(-62135596801) == "0000-12-31T23:59:59Z");
}

TEST_CASE("time: format_time and parse_time round trip") {
  // A step that is not a divisor of a day, month or year visits every
  // time-of-day and calendar position across the whole accepted range.
  for (UnixTime t = -62135596800; t <= 253402300799; t += 7'777'777) {
    REQUIRE(parse_time(format_time(t)) == t);
  }
  for (UnixTime t = -100'000; t <= 100'000; t += 7) {
    REQUIRE(parse_time(format_time(t)) == t);
  }
}

TEST_CASE("timefmt: a limit is in force up to its second and has run out from it on") {
  CHECK_FALSE(provlock::ran_out(kNoon, kNoon - 1));
  CHECK(provlock::ran_out(kNoon, kNoon));
  CHECK(provlock::ran_out(kNoon, kNoon + 1));
  CHECK(provlock::kSecondsPerDay == 24 * provlock::kSecondsPerHour);
  CHECK(parse_time("2026-11-27T12:00:00Z") - kNoon == provlock::kSecondsPerDay);
}

TEST_CASE("parse_formatted_time: only format_time's own text of a time") {
  using namespace provlock;
  for (const UnixTime t : {UnixTime{0}, UnixTime{1764158400}, kLatestTime, UnixTime{-62135596800}})
    CHECK(parse_formatted_time(format_time(t)) == t);
  for (const char* other :
       {"2026-11-26t12:00:00Z", "2026-11-26 12:00:00Z", "2026-11-26T12:00:00.5Z",
        "2026-11-26T12:00:00+00:00", "2026-11-26T24:00:00Z", "2026-02-30T12:00:00Z",
        "2026-11-26T12:00:60Z", "@1764158400", "", "2026-11-26T12:00:00"})
    CHECK_MESSAGE(!parse_formatted_time(other), other);
}

TEST_CASE("parse_formatted_time: any changed byte is refused or still the time's own text") {
  using namespace provlock;
  const std::string text = format_time(1764158400);
  int taken = 0;
  for (std::size_t i = 0; i < text.size(); ++i)
    for (const char c : std::string("0123456789-:TtZz .+@")) {
      std::string t = text;
      t[i] = c;
      const std::optional<UnixTime> back = parse_formatted_time(t);
      if (!back) continue;
      ++taken;
      CHECK_MESSAGE(format_time(*back) == t, t);
      CHECK_MESSAGE(*back == parse_time(t), t);
    }
  CHECK(taken > 50);  // digits changed within range are other times, read
}

TEST_CASE("parse_formatted_time: every time's text reads back, leap days and ends of months") {
  using namespace provlock;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const UnixTime first = -62135596800;  // 0001-01-01T00:00:00Z
    const UnixTime t =
        first + static_cast<UnixTime>(rng() % static_cast<std::uint64_t>(kLatestTime - first));
    REQUIRE(parse_formatted_time(format_time(t)) == t);
  }
  for (const char* leap : {"2024-02-29T00:00:00Z", "2000-02-29T23:59:59Z", "0004-02-29T00:00:00Z"})
    CHECK(parse_formatted_time(leap) == parse_time(leap));
  for (const char* none : {"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                           "0000-01-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z",
                           "2026-13-01T00:00:00Z", "2026-01-01T00:60:00Z", "-026-01-01T00:00:00Z",
                           "2026-1-01T00:00:00ZZ"})
    CHECK_MESSAGE(!parse_formatted_time(none), none);
}
