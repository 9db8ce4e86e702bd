// A device's and an address's record text written and read without a JSON
// value (lib/record_text.hpp): the same bytes as nlohmann's dump, and a
// reader that either returns the record the JSON reading returns or declines.
#include "lib/record_text.hpp"

#include <doctest/doctest.h>

#include <random>

#include "tests/random_device.hpp"

namespace {

using namespace provlock;
using provlock::testing::random_address;
using provlock::testing::random_device;
using provlock::testing::same_address;
using provlock::testing::same_device;

// The forms of each record kind with a text of its own.
template <class R>
struct Forms;
template <>
struct Forms<Device> {
  static std::string text(const Device& d) { return device_record_text(d); }
  static std::optional<Device> from_text(std::string_view t) { return device_from_record_text(t); }
  static Device from_json(const nlohmann::json& j) { return device_from_json(j); }
  static bool same(const Device& a, const Device& b) { return same_device(a, b); }
};
template <>
struct Forms<AddressRecord> {
  static std::string text(const AddressRecord& a) { return address_record_text(a); }
  static std::optional<AddressRecord> from_text(std::string_view t) {
    return address_from_record_text(t);
  }
  static AddressRecord from_json(const nlohmann::json& j) { return address_from_json(j); }
  static bool same(const AddressRecord& a, const AddressRecord& b) { return same_address(a, b); }
};

// The JSON reading of a record's text, as the store did it before.
template <class R>
std::optional<R> read_as_json(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  try {
    return Forms<R>::from_json(j);
  } catch (const RecordError&) {
    return std::nullopt;
  }
}

// Whatever the text, the direct reader returns nothing or what the JSON
// reading returns, and only for the very text the record is written as (the
// reader takes no other spelling, so a listing snapshot built from written
// texts reads as the records do).
template <class R = Device>
void check_agrees(const std::string& text) {
  const std::optional<R> fast = Forms<R>::from_text(text);
  if (!fast) return;
  const std::optional<R> slow = read_as_json<R>(text);
  REQUIRE_MESSAGE(slow.has_value(), text);
  CHECK_MESSAGE(Forms<R>::same(*fast, *slow), text);
  std::string_view bare = text;
  if (bare.ends_with('\n')) bare.remove_suffix(1);
  CHECK_MESSAGE(Forms<R>::text(*fast) == bare, text);
}

// The text, or nullopt where it throws (a string that is not UTF-8: dump()
// refuses it, and so must the direct writer).
template <class Write, class R>
std::optional<std::string> written(Write write, const R& r) {
  try {
    return write(r);
  } catch (const nlohmann::json::type_error&) {
    return std::nullopt;
  }
}

// `text` with its first `from` made `to`.
std::string replaced_in(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return text.replace(at, from.size(), to);
}

// Other spellings of a record, each declined by the direct reader (and so
// left to the JSON reading).
template <class R>
void check_declined(const std::vector<std::string>& others) {
  for (const std::string& other : others) {
    CHECK_MESSAGE(!Forms<R>::from_text(other), other);
    check_agrees<R>(other);
  }
}

// Every cut of `text`, and every byte of it changed, read right or left.
template <class R>
void check_cuts_and_changes(const std::string& text, const std::string& bytes) {
  for (std::size_t i = 0; i <= text.size(); ++i) check_agrees<R>(text.substr(0, i));
  for (std::size_t i = 0; i < text.size(); ++i)
    for (const char c : bytes) {
      std::string t = text;
      t[i] = c;
      check_agrees<R>(t);
    }
}

}  // namespace

TEST_CASE("device text: the same bytes as the JSON value's dump, for any device") {
  std::mt19937_64 rng(20261126);
  for (int i = 0; i < 3000; ++i) {
    const Device d = random_device(rng, i % 2 == 0);
    const auto direct = written(device_record_text, d);
    REQUIRE(direct == written([](const Device& x) { return to_json(x).dump(); }, d));
    if (i % 2 == 0) REQUIRE(direct.has_value());
  }
  Device extreme;
  extreme.mac = parse_mac("fefefefefefe");
  extreme.allowed = extreme.denied = extreme.unlock_all_seen = UINT64_MAX;
  extreme.registered = -62135596800;  // 0001-01-01
  CHECK(device_record_text(extreme) == to_json(extreme).dump());
}

TEST_CASE("device text: read back directly when plain, and never differently from JSON") {
  std::mt19937_64 rng(77);
  int direct = 0;
  for (int i = 0; i < 3000; ++i) {
    const bool plain = i % 2 == 0;
    const Device d = random_device(rng, plain);
    const auto written_text = written(device_record_text, d);
    if (!written_text) continue;  // not UTF-8: never written
    const std::string& text = *written_text;
    const std::optional<Device> back = device_from_record_text(text + "\n");
    if (plain) {
      // Plain strings: always read directly, and to the very device.
      REQUIRE_MESSAGE(back.has_value(), text);
      CHECK_MESSAGE(same_device(*back, d), text);
    }
    if (back) ++direct;
    check_agrees(text);
  }
  CHECK(direct >= 1500);  // the plain half at least
}

TEST_CASE("device text: other spellings of a record are left to the JSON reading") {
  Device d;
  d.mac = parse_mac("0004f2abcdef");
  d.account = "acme";
  d.registered = parse_time("2026-11-01T00:00:00Z");
  d.bound_ip = parse_ip("192.0.2.7");
  d.foreign = {ForeignFetch{parse_time("2026-11-02T00:00:00Z"), parse_ip("198.51.100.7")},
               ForeignFetch{parse_time("2026-11-03T00:00:00Z"), parse_ip("2001:db8::7")}};
  d.allowed = 5;
  const std::string text = device_record_text(d);
  REQUIRE(device_from_record_text(text));

  auto replaced = [&](const std::string& from, const std::string& to) {
    return replaced_in(text, from, to);
  };
  const std::vector<std::string> others = {
      " " + text,                                    // white space
      text + " ",                                    //
      text + "\n\n",                                 //
      replaced(",", ", "),                           //
      replaced("\"account\":\"acme\",", "") + "",    // a key missing
      replaced("\"allowed\":5", "\"allowed\":05"),   // a number spelled otherwise
      replaced("\"allowed\":5", "\"allowed\":5.0"),  //
      replaced("\"allowed\":5", "\"allowed\":-5"),   //
      replaced("\"allowed\":5", "\"allowed\":18446744073709551616"),
      replaced("\"format\":1", "\"format\":2"),  // another format
      replaced("\"mac\":\"0004f2abcdef\"", "\"mac\":\"00:04:F2:AB:CD:EF\""),
      replaced("\"bound_ip\":\"192.0.2.7\"", "\"bound_ip\":\"192.000.2.7\""),
      replaced("2026-11-02T00:00:00Z", "2026-11-02T00:00:00+00:00"),
      replaced("2026-11-02T00:00:00Z", "2026-11-02t00:00:00Z"),
      replaced("2026-11-02T00:00:00Z", "2026-11-02 00:00:00Z"),
      replaced("2026-11-02T00:00:00Z", "2026-11-02T00:00:00.0Z"),
      replaced("2026-11-02T00:00:00Z", "2026-11-01T24:00:00Z"),
      replaced("2026-11-02T00:00:00Z", "2026-10-32T00:00:00Z"),
      replaced("2026-11-02T00:00:00Z", "2026-11-02T00:00:60Z"),
      replaced("2026-11-02T00:00:00Z", "@1793577600"),
      replaced("\"bound_ip\":\"192.0.2.7\"", "\"bound_ip\":\"::ffff:192.0.2.7\""),
      replaced("\"bound_ip\":\"192.0.2.7\"", "\"bound_ip\":\"2001:DB8::7\""),
      replaced("\"bound_ip\":\"192.0.2.7\"", "\"bound_ip\":\"2001:db8:0::7\""),
      replaced("\"format\":1", "\"format\":01"),
      replaced("\"acme\"", "\"ac\\u006de\""),                // an escape
      replaced("\"acme\"", "\"acm\xc3\xa9\""),               // UTF-8
      replaced("\"blocked\":false", "\"blocked\":0"),        //
      replaced("\"label\":\"\"", "\"label\":null"),          //
      replaced("\"label\":\"\"", "\"label\":\"\",\"x\":1"),  // an unknown key
      replaced("{\"at\":\"2026-11-03T00:00:00Z\",\"ip\":\"2001:db8::7\"}",
               "{\"ip\":\"2001:db8::7\",\"at\":\"2026-11-03T00:00:00Z\"}"),
      replaced("{\"at\":\"2026-11-03T00:00:00Z\",\"ip\":\"2001:db8::7\"}",
               "\"2026-11-03T00:00:00Z\""),  // 0.1's bare time
      replaced("\"ip\":\"2001:db8::7\"", "\"ip\":\"2001:DB8::7\""),
      replaced("\"ip\":\"2001:db8::7\"", "\"ip\":null"),
      replaced("\"account\":\"acme\",\"allowed\":5",  // keys out of order
               "\"allowed\":5,\"account\":\"acme\""),
      replaced("\"account\":\"acme\"", "\"account\":\"acme\",\"account\":\"acme\""),
      replaced("}", ""),                // cut short
      text.substr(0, text.size() / 2),  //
      "",
      "{}",
      "null",
      "[]",
  };
  check_declined<Device>(others);
}

TEST_CASE("device text: every cut and every changed byte of a record is read right or left") {
  std::mt19937_64 rng(5);
  check_cuts_and_changes<Device>(device_record_text(random_device(rng, true)),
                                 "019aZ\":,{}[]-TnN \\");
}

TEST_CASE("address text: the same bytes as the JSON value's dump, read back to the record") {
  std::mt19937_64 rng(20261207);
  int direct = 0;
  for (int i = 0; i < 3000; ++i) {
    const bool plain = i % 2 == 0;
    const AddressRecord a = random_address(rng, plain);
    const auto text = written(address_record_text, a);
    REQUIRE(text == written([](const AddressRecord& x) { return to_json(x).dump(); }, a));
    if (!text) continue;
    const std::optional<AddressRecord> back = address_from_record_text(*text + "\n");
    if (plain) {
      REQUIRE_MESSAGE(back.has_value(), *text);
      CHECK_MESSAGE(same_address(*back, a), *text);
    }
    if (back) ++direct;
    check_agrees<AddressRecord>(*text);
  }
  CHECK(direct >= 1500);
  AddressRecord extreme;
  extreme.prefix = parse_prefix("2001:db8::/32");
  extreme.times_banned = UINT32_MAX;
  extreme.last_ban_length = INT64_MIN;
  extreme.last_activity = -62135596800;  // 0001-01-01
  CHECK(address_record_text(extreme) == to_json(extreme).dump());
  CHECK(address_from_record_text(address_record_text(extreme)).has_value());
  extreme.last_ban_length = INT64_MAX;
  CHECK(address_record_text(extreme) == to_json(extreme).dump());
  CHECK(address_from_record_text(address_record_text(extreme)).has_value());
}

TEST_CASE("address text: other spellings of a record are left to the JSON reading") {
  AddressRecord a;
  a.prefix = parse_prefix("192.0.2.7/32");
  a.attempts = {parse_time("2026-11-02T00:00:00Z"), parse_time("2026-11-03T00:00:00Z")};
  a.reason = "auto";
  a.times_banned = 2;
  a.last_ban_length = 3600;
  a.last_activity = parse_time("2026-11-03T00:00:00Z");
  const std::string text = address_record_text(a);
  REQUIRE(address_from_record_text(text));

  auto replaced = [&](const std::string& from, const std::string& to) {
    return replaced_in(text, from, to);
  };
  const std::vector<std::string> others = {
      " " + text,
      replaced(",", ", "),
      replaced("\"reason\":\"auto\",", ""),  // a key missing
      replaced("\"times_banned\":2", "\"times_banned\":02"),
      replaced("\"times_banned\":2", "\"times_banned\":4294967296"),
      replaced("\"times_banned\":2", "\"times_banned\":-2"),
      replaced("\"last_ban_length\":3600", "\"last_ban_length\":-0"),
      replaced("\"last_ban_length\":3600", "\"last_ban_length\":+3600"),
      replaced("\"last_ban_length\":3600", "\"last_ban_length\":03600"),
      replaced("\"last_ban_length\":3600", "\"last_ban_length\":9223372036854775808"),
      replaced("\"last_ban_length\":3600", "\"last_ban_length\":-9223372036854775809"),
      replaced("\"last_ban_length\":3600", "\"last_ban_length\":3600.0"),
      replaced("\"prefix\":\"192.0.2.7/32\"", "\"prefix\":\"192.0.2.7\""),
      replaced("\"prefix\":\"192.0.2.7/32\"", "\"prefix\":\"192.0.2.7/032\""),
      replaced("\"attempts\":[\"2026-11-02T00:00:00Z\",",
               "\"attempts\":[\"2026-11-02T00:00:00Z\" ,"),
      replaced("2026-11-02T00:00:00Z", "2026-11-02T00:00:00+00:00"),
      replaced("\"banned_since\":null", "\"banned_since\":\"\""),
      replaced("\"self_unbans\":[]", "\"self_unbans\":null"),
      replaced("\"format\":1", "\"format\":2"),
      replaced("}", ""),
      "{}",
  };
  check_declined<AddressRecord>(others);
}

TEST_CASE("address text: every cut and every changed byte of a record is read right or left") {
  std::mt19937_64 rng(9);
  AddressRecord a = random_address(rng);
  a.attempts = {1, 2};
  a.last_ban_length = -3600;
  check_cuts_and_changes<AddressRecord>(address_record_text(a), "019aZ\":,{}[]-TnN /\\");
}
