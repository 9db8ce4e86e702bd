#include "lib/timefmt.hpp"

#include <charconv>

#include "lib/error.hpp"

namespace provlock {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// algorithm, exact for every 64-bit day count): timegm() would bring in the C
// library's range limits and the TZ environment.
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = y - era * 400;                                    // [0, 399]
  const auto doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

struct Civil {
  std::int64_t year;
  int month, day;
};

constexpr Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = z - era * 146097;                                       // [0, 146096]
  const auto yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const auto doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const auto mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

constexpr bool is_leap(int y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr int days_in_month(int y, int m) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// The range of "@" input matches that of RFC 3339 input, so every accepted
// time prints as RFC 3339 and later arithmetic on it stays far from overflow.
constexpr std::int64_t kFirst = days_from_civil(1, 1, 1) * kSecondsPerDay;
constexpr std::int64_t kLast = days_from_civil(9999, 12, 31) * kSecondsPerDay + kSecondsPerDay - 1;
static_assert(kLast == kLatestTime);

// `width` decimal digits at text[at], or -1.
int digits_at(std::string_view text, std::size_t at, std::size_t width) {
  if (at + width > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::string two_digits(int value) {
  return {static_cast<char>('0' + value / 10), static_cast<char>('0' + value % 10)};
}

}  // namespace

UnixTime parse_time(std::string_view text) {
  const auto fail = [&](const std::string& why) {
    return Error(Exit::usage, "invalid time " + quoted(text) + ": " + why);
  };

  if (text.starts_with('@')) {
    const std::string_view number = text.substr(1);
    std::int64_t t = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), t);
    if (end == number.data() || end != number.data() + number.size()) {
      throw fail("expected @ followed by whole seconds since 1970-01-01T00:00:00Z");
    }
    if (ec == std::errc::result_out_of_range || t < kFirst || t > kLast) {
      throw fail("outside the years 0001-9999");
    }
    return t;
  }

  // Fixed positions of RFC 3339 "YYYY-MM-DDTHH:MM:SS"; the date-time separator
  // may also be 't' or a space (RFC 3339 5.6 note).
  const int year = digits_at(text, 0, 4), month = digits_at(text, 5, 2),
            day = digits_at(text, 8, 2);
  const int hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2),
            second = digits_at(text, 17, 2);
  const bool shaped = year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 &&
                      second >= 0 && text[4] == '-' && text[7] == '-' && text[13] == ':' &&
                      text[16] == ':' && (text[10] == 'T' || text[10] == 't' || text[10] == ' ');
  // A literal, not a string: parse_time reads every time of every record.
  constexpr const char* expected = "expected RFC 3339 (2026-11-26T12:00:00Z) or @<unix seconds>";
  if (!shaped) throw fail(expected);

  // The fraction is dropped, not rounded: a time never moves into a second that
  // has not begun yet.
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    const std::size_t first = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == first) throw fail("no digits after '.'");
  }

  std::int64_t offset = 0;
  const std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             digits_at(zone, 1, 2) >= 0 && digits_at(zone, 4, 2) >= 0) {
    const int off_hour = digits_at(zone, 1, 2), off_minute = digits_at(zone, 4, 2);
    if (off_hour > 23 || off_minute > 59)
      throw fail("offset " + std::string(zone) + " is out of range");
    offset = (zone[0] == '-' ? -1 : 1) * (off_hour * kSecondsPerHour + off_minute * 60);
  } else if (zone.empty()) {
    throw fail("no offset; add Z for UTC or +hh:mm");
  } else {
    throw fail(expected);
  }

  if (year < 1) throw fail("year 0000 is outside 0001-9999");
  if (month < 1 || month > 12) throw fail("month " + two_digits(month) + " is out of range 01-12");
  if (day < 1 || day > days_in_month(year, month)) {
    throw fail("day " + two_digits(day) + " does not exist in " + std::string(text.substr(0, 7)));
  }
  if (hour > 23) throw fail("hour " + two_digits(hour) + " is out of range 00-23");
  if (minute > 59) throw fail("minute " + two_digits(minute) + " is out of range 00-59");
  // Unix time has no place for a leap second, and counting it as :59 or as the
  // next minute would each be a guess.
  if (second > 59) throw fail("second " + two_digits(second) + " is out of range 00-59");

  return days_from_civil(year, month, day) * kSecondsPerDay + hour * kSecondsPerHour + minute * 60 +
         second - offset;
}

namespace {

// The 20 characters of format_time for a time in the years 0000..9999;
// false (and `out` unwritten) for any other time.
bool put_time_text(UnixTime t, char (&out)[20]) {
  // Floor division: times before 1970 belong to the day that began before them.
  std::int64_t days = t / kSecondsPerDay, seconds = t % kSecondsPerDay;
  if (seconds < 0) seconds += kSecondsPerDay, --days;
  const Civil date = civil_from_days(days);
  if (date.year < 0 || date.year > 9999) return false;
  const int s = static_cast<int>(seconds);
  auto put2 = [&](int at, int v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  put2(0, static_cast<int>(date.year / 100));
  put2(2, static_cast<int>(date.year % 100));
  out[4] = '-';
  put2(5, static_cast<int>(date.month));
  out[7] = '-';
  put2(8, static_cast<int>(date.day));
  out[10] = 'T';
  put2(11, s / 3600);
  out[13] = ':';
  put2(14, s / 60 % 60);
  out[16] = ':';
  put2(17, s % 60);
  out[19] = 'Z';
  return true;
}

}  // namespace

std::string format_time(UnixTime t) {
  // The common case in one buffer (a listing formats millions of times).
  char out[20];
  if (put_time_text(t, out)) return std::string(out, sizeof out);
  // Years outside 0000-9999 cannot occur for parsed input; printed with a sign
  // or more digits rather than wrapped.
  std::int64_t days = t / kSecondsPerDay, seconds = t % kSecondsPerDay;
  if (seconds < 0) seconds += kSecondsPerDay, --days;
  const Civil date = civil_from_days(days);
  const int s = static_cast<int>(seconds);
  std::string year = std::to_string(date.year < 0 ? -date.year : date.year);
  if (year.size() < 4) year.insert(0, 4 - year.size(), '0');
  if (date.year < 0) year.insert(0, 1, '-');
  return year + "-" + two_digits(date.month) + "-" + two_digits(date.day) + "T" +
         two_digits(s / 3600) + ":" + two_digits(s / 60 % 60) + ":" + two_digits(s % 60) + "Z";
}

std::optional<UnixTime> parse_formatted_time(std::string_view text) {
  // Only format_time's 20-character shape is looked at: "YYYY-MM-DDTHH:MM:SSZ",
  // every field at its fixed place as digits, none out of range (month 13,
  // Feb 30, hour 24, second 60, year 0000), so that a text taken is the
  // zero-padded text format_time writes of that time, and the time
  // parse_time reads from it (the tests hold the three to it). Read here
  // directly: every time of every record read goes through it.
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  const int year = digits_at(text, 0, 4), month = digits_at(text, 5, 2),
            day = digits_at(text, 8, 2), hour = digits_at(text, 11, 2),
            minute = digits_at(text, 14, 2), second = digits_at(text, 17, 2);
  // The ranges parse_time holds every field to (it says which is out).
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return std::nullopt;
  return days_from_civil(year, month, day) * kSecondsPerDay + hour * kSecondsPerHour + minute * 60 +
         second;
}

std::optional<UnixTime> time_after(UnixTime now, std::int64_t length) {
  // Compared as a difference: neither side can overflow for any inputs.
  if (length < 0 || now > kLatestTime || length > kLatestTime - now) return std::nullopt;
  return now + length;
}

UnixTime end_of(UnixTime now, std::int64_t length, Exit code, const std::string& what) {
  if (auto end = time_after(now, length)) return *end;
  throw Error(code, what + " from " + format_time(now) + " would end after " +
                        format_time(kLatestTime) + ", the latest time provlock stores");
}

}  // namespace provlock
