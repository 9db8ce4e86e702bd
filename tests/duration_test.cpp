#include "lib/duration.hpp"

#include <doctest/doctest.h>

#include <string>

#include "lib/error.hpp"

using provlock::Error;
using provlock::Exit;
using provlock::format_duration;
using provlock::parse_duration;

namespace {

constexpr std::int64_t kMax = (std::int64_t{1} << 53) - 1;

// Checks that `text` is refused with exit 64 and a message that names the
// value and contains `reason`.
void check_rejected(const std::string& text, const std::string& reason) {
  CAPTURE(text);
  CHECK_THROWS_AS(parse_duration(text), Error);
  try {
    parse_duration(text);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    const std::string message = e.what();
    CHECK(message.starts_with("invalid duration '"));
    CHECK(message.find(reason) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("duration: every unit") {
  CHECK(parse_duration("45s") == 45);
  CHECK(parse_duration("30m") == 30 * 60);
  CHECK(parse_duration("24h") == 24 * 3600);
  CHECK(parse_duration("7d") == 7 * 86400);
  CHECK(parse_duration("2w") == 2 * 604800);
  CHECK(parse_duration("1s") == 1);
  CHECK(parse_duration("05m") == 300);
}

TEST_CASE("duration: sums, in any order, units repeated") {
  CHECK(parse_duration("1d12h") == 129600);
  CHECK(parse_duration("1h30m") == 5400);
  CHECK(parse_duration("1w2d3h4m5s") == 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  CHECK(parse_duration("5s1w") == 604805);
  CHECK(parse_duration("1h1h") == 7200);
  CHECK(parse_duration("30m30m30m") == 5400);
  CHECK(parse_duration("0h5m") == 300);
}

TEST_CASE("duration: zero, negative and malformed texts exit 64") {
  check_rejected("0s", "must be greater than zero");
  check_rejected("0m", "must be greater than zero");
  check_rejected("0w0d0h0m0s", "must be greater than zero");
  check_rejected("-5m", "negative");
  check_rejected("-0s", "negative");
  check_rejected("", "empty");
  check_rejected("5", "without a unit");
  check_rejected("1h5", "without a unit");
  check_rejected("5x", "unknown unit");
  check_rejected("5M", "unknown unit");
  check_rejected("1.5h", "unknown unit");
  check_rejected("5 m", "unknown unit");
  check_rejected("5m ", "expected terms");
  for (const char* text : {"m", "5mm", "h5", " 5m", "+5m", "1d-1h", "1d+1h", "5m,3s"}) {
    check_rejected(text, "expected terms");
  }
}

TEST_CASE("duration: totals of 2^53 seconds or more exit 64") {
  CHECK(parse_duration("9007199254740991s") == kMax);
  CHECK(parse_duration("14892855910w") == 14892855910 * 604800);
  check_rejected("9007199254740992s", "too large");
  check_rejected("9007199254740991s1s", "too large");
  check_rejected("14892855911w", "too large");
  check_rejected("99999999999999999w", "too large");
  check_rejected("99999999999999999999999999s", "too large");
  check_rejected("14892855910w14892855910w", "too large");
}

TEST_CASE("duration: the message names the value") {
  try {
    parse_duration("0s");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "invalid duration '0s': must be greater than zero");
  }
}

TEST_CASE("duration: format_duration prints largest units first") {
  CHECK(format_duration(129600) == "1d12h");
  CHECK(format_duration(604800) == "1w");
  CHECK(format_duration(691200) == "1w1d");
  CHECK(format_duration(45) == "45s");
  CHECK(format_duration(3601) == "1h1s");
  CHECK(format_duration(788645) == "1w2d3h4m5s");
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(-60) == "-1m");
}

TEST_CASE("duration: format_duration round trips") {
  for (std::int64_t seconds :
       {std::int64_t{1}, std::int64_t{59}, std::int64_t{60}, std::int64_t{61}, std::int64_t{3599},
        std::int64_t{86399}, std::int64_t{86401}, std::int64_t{1209600}, kMax}) {
    CAPTURE(seconds);
    CHECK(parse_duration(format_duration(seconds)) == seconds);
  }
  for (std::int64_t seconds = 1; seconds < 4'000'000; seconds += 997) {
    REQUIRE(parse_duration(format_duration(seconds)) == seconds);
  }
}
