// SPEC §8: every record carries a format version and decodes strictly.
#include "lib/records.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "lib/ip.hpp"
#include "lib/mac.hpp"
#include "lib/policy.hpp"
#include "lib/timefmt.hpp"
#include "tests/random_device.hpp"

using namespace provlock;
using nlohmann::json;

namespace {

const UnixTime kNow = parse_time("2026-11-26T12:00:00Z");
// The scope of `--account` left out.
const AccountScope kAllAccounts = std::nullopt;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

// Every field set to a value other than its default.
Device full_device() {
  Device d;
  d.mac = parse_mac("00:11:22:AA:BB:CC");
  d.account = "acme";
  d.label = "front desk, Zürich";
  d.registered = kNow - 30 * kDay;
  d.bound_ip = parse_ip("2001:db8::7");
  d.bound_at = kNow - 20 * kDay;
  d.first_provisioned = kNow - 29 * kDay;
  d.unlock_until = kNow + 7 * kDay;
  d.unlock_all_seen = 12;
  d.blocked = true;
  d.blocked_at = kNow - kHour;
  d.user = "desk-4";
  d.foreign = {ForeignFetch{kNow - 3 * kHour, parse_ip("198.51.100.1")},
               ForeignFetch{kNow - 2 * kHour, parse_ip("2001:db8:9::1")},
               ForeignFetch{kNow - kHour, parse_ip("198.51.100.3")}};
  d.last_seen = kNow - 1;
  d.last_ip = parse_ip("198.51.100.7");
  d.allowed = 1234;
  d.denied = 56;
  return d;
}

// Only what `add` sets.
Device bare_device() {
  Device d;
  d.mac = parse_mac("001122aabbcc");
  d.registered = kNow;
  return d;
}

void check_same(const Device& a, const Device& b) {
  CHECK(a.mac == b.mac);
  CHECK(a.account == b.account);
  CHECK(a.label == b.label);
  CHECK(a.registered == b.registered);
  CHECK(a.bound_ip == b.bound_ip);
  CHECK(a.bound_at == b.bound_at);
  CHECK(a.first_provisioned == b.first_provisioned);
  CHECK(a.unlock_until == b.unlock_until);
  CHECK(a.unlock_all_seen == b.unlock_all_seen);
  CHECK(a.blocked == b.blocked);
  CHECK(a.blocked_at == b.blocked_at);
  CHECK(a.foreign == b.foreign);
  CHECK(a.last_seen == b.last_seen);
  CHECK(a.last_ip == b.last_ip);
  CHECK(a.allowed == b.allowed);
  CHECK(a.denied == b.denied);
}

void check_same(const UnlockAllSet& a, const UnlockAllSet& b) {
  CHECK(a.last_id == b.last_id);
  REQUIRE(a.entries.size() == b.entries.size());
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    CAPTURE(i);
    CHECK(a.entries[i].id == b.entries[i].id);
    CHECK(a.entries[i].at == b.entries[i].at);
    CHECK(a.entries[i].account == b.entries[i].account);
    CHECK(a.entries[i].until == b.entries[i].until);
  }
}

void check_same(const Window& a, const Window& b) {
  CHECK(a.prefix == b.prefix);
  CHECK(a.account == b.account);
  CHECK(a.opened == b.opened);
  CHECK(a.until == b.until);
}

void check_same(const AddressRecord& a, const AddressRecord& b) {
  CHECK(a.prefix == b.prefix);
  CHECK(a.attempts == b.attempts);
  CHECK(a.banned_since == b.banned_since);
  CHECK(a.banned_until == b.banned_until);
  CHECK(a.reason == b.reason);
  CHECK(a.times_banned == b.times_banned);
  CHECK(a.last_ban_length == b.last_ban_length);
  CHECK(a.last_activity == b.last_activity);
  CHECK(a.self_unbans == b.self_unbans);
  CHECK(a.last_allowed == b.last_allowed);
}

void check_same(const RangeBans& a, const RangeBans& b) {
  REQUIRE(a.entries.size() == b.entries.size());
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    CAPTURE(i);
    CHECK(a.entries[i].prefix == b.entries[i].prefix);
    CHECK(a.entries[i].since == b.entries[i].since);
    CHECK(a.entries[i].until == b.entries[i].until);
    CHECK(a.entries[i].group_members == b.entries[i].group_members);
  }
  REQUIRE(a.members.size() == b.members.size());
  for (std::size_t i = 0; i < a.members.size(); ++i) {
    CHECK(a.members[i].prefix == b.members[i].prefix);
    CHECK(a.members[i].until == b.members[i].until);
  }
}

// Round trip through the JSON text, as the store does.
json through_text(const json& j) {
  return json::parse(j.dump());
}

// A valid record of each kind, as JSON, for the refusal tables.
json device_json() {
  return to_json(full_device());
}

json unlock_alls_json() {
  UnlockAllSet s;
  s.last_id = 2;
  s.entries = {UnlockAll{2, kNow, "acme", kNow + kHour}};
  return to_json(s);
}

json window_json() {
  return to_json(Window{parse_prefix("192.0.2.1"), kAllAccounts, kNow, kNow + kHour});
}

json address_json() {
  AddressRecord a;
  a.prefix = parse_prefix("198.51.100.7");
  a.last_activity = kNow;
  return to_json(a);
}

using Decode = std::function<void(const json&)>;

// Checks that `decode` refuses `j` with a RecordError whose message contains
// `mentions`.
void check_refused(const Decode& decode, const json& j, const std::string& mentions) {
  CAPTURE(j.dump());
  CHECK_THROWS_AS(decode(j), RecordError);
  try {
    decode(j);
  } catch (const RecordError& e) {
    const std::string message = e.what();
    CAPTURE(message);
    CHECK(message.find(mentions) != std::string::npos);
  }
}

json with(json j, const std::string& key, json value) {
  j[key] = std::move(value);
  return j;
}

json without(json j, const std::string& key) {
  j.erase(key);
  return j;
}

}  // namespace

TEST_CASE("records: a device round trips, every field") {
  for (const Device& d : {full_device(), bare_device()}) {
    const json j = to_json(d);
    CHECK(j["format"] == kRecordFormat);
    check_same(device_from_json(through_text(j)), d);
    CHECK(to_json(device_from_json(j)) == j);
  }
}

// Every member of a device survives its JSON form, which is made from the
// table of lib/record_schema.hpp: a member left out of the table, or two
// rows on one member, would be lost here. The random devices vary every
// member (checked below), and same_device compares every member (it stops
// compiling when Device gains one).
TEST_CASE("records: any device round trips through its JSON form, every member") {
  std::mt19937_64 rng(1811);
  const Device fresh;
  std::vector<bool> varied = testing::differing_members(fresh, fresh);  // all false
  for (int i = 0; i < 3000; ++i) {
    const Device d = testing::random_device(rng, i % 2 == 0);
    const std::vector<bool> differs = testing::differing_members(d, fresh);
    for (std::size_t m = 0; m < varied.size(); ++m) varied[m] = varied[m] || differs[m];
    std::string text;
    try {
      text = to_json(d).dump();
    } catch (const json::type_error&) {
      continue;  // an account or label that is not UTF-8: never written
    }
    const Device back = device_from_json(json::parse(text));
    REQUIRE_MESSAGE(testing::same_device(back, d), text);
    CHECK(to_json(back).dump() == text);
  }
  for (std::size_t m = 0; m < varied.size(); ++m) {
    CAPTURE(m);  // the index of the member, in Device's order
    CHECK(varied[m]);
  }
}

TEST_CASE("records: the device's JSON form is readable and normalised") {
  const json j = to_json(full_device());
  CHECK(j["mac"] == "001122aabbcc");
  CHECK(j["registered"] == "2026-10-27T12:00:00Z");
  CHECK(j["bound_ip"] == "2001:db8::7");
  CHECK(j["last_ip"] == "198.51.100.7");
  CHECK(j["blocked"] == true);
  CHECK(j["foreign"].size() == 3);
  CHECK(j["foreign"][1] == json{{"at", "2026-11-26T10:00:00Z"}, {"ip", "2001:db8:9::1"}});
  CHECK(j["user"] == "desk-4");

  const json bare = to_json(bare_device());
  CHECK(bare["bound_ip"].is_null());
  CHECK(bare["unlock_until"].is_null());
}

TEST_CASE("records: a device record may leave its optional fields out") {
  const json j = {
      {"format", 1}, {"mac", "00-11-22-aa-bb-cc"}, {"registered", "2026-11-26T12:00:00Z"}};
  const Device d = device_from_json(j);
  CHECK(d.mac.str() == "001122aabbcc");
  CHECK(d.registered == kNow);
  CHECK(d.account.empty());
  CHECK_FALSE(d.bound_ip.has_value());
  CHECK_FALSE(d.unlock_until.has_value());
  CHECK(d.unlock_all_seen == 0);
  CHECK_FALSE(d.blocked);
  CHECK(d.foreign.empty());
  CHECK(d.user.empty());
  CHECK(d.allowed == 0);
}

TEST_CASE("records: 0.1's foreign times, which name no address, are forgotten when read") {
  json j = to_json(full_device());
  j["foreign"] = json::array(
      {"2026-11-26T09:00:00Z", json{{"at", "2026-11-26T10:00:00Z"}, {"ip", "198.51.100.9"}}});
  const Device d = device_from_json(j);
  REQUIRE(d.foreign.size() == 1);
  CHECK(d.foreign[0] == ForeignFetch{kNow - 2 * kHour, parse_ip("198.51.100.9")});
  // A 0.1 record with only bare times reads as having none.
  j["foreign"] = json::array({"2026-11-26T09:00:00Z", "2026-11-26T10:00:00Z"});
  CHECK(device_from_json(j).foreign.empty());
}

TEST_CASE("records: an unlock-all set round trips") {
  UnlockAllSet s;
  s.last_id = 9;
  s.entries = {UnlockAll{7, kNow - kDay, kAllAccounts, std::nullopt},
               UnlockAll{8, kNow - kHour, "acme", kNow + 40 * kHour}};
  check_same(unlock_alls_from_json(through_text(to_json(s))), s);
  s.entries.push_back(UnlockAll{9, kNow, "", std::nullopt});  // no account
  check_same(unlock_alls_from_json(through_text(to_json(s))), s);

  UnlockAllSet empty;
  empty.last_id = 4;  // last_id survives its entries
  check_same(unlock_alls_from_json(through_text(to_json(empty))), empty);
}

TEST_CASE("records: a window round trips") {
  for (const Window& w :
       {Window{parse_prefix("192.0.2.1"), kAllAccounts, kNow, kNow + kHour},
        Window{parse_prefix("192.0.2.2"), "", kNow, kNow + kHour},
        Window{parse_prefix("2001:db8::1"), "acme", kNow - kDay, kNow + 40 * kHour}}) {
    check_same(window_from_json(through_text(to_json(w))), w);
  }
}

// SPEC §6: every account, one account and the devices without an account
// are three scopes, and each reads back as itself. Records that 0.1 could
// also have written are written as 0.1 wrote them (format 1, "" for every
// account); "no account", which 0.1 would read as every account, is written
// in format 2, which 0.1 refuses.
TEST_CASE("records: a scope is written in the oldest format that says it") {
  struct Row {
    const char* name;
    AccountScope scope;
    int format;
    json account;
  };
  const Row rows[] = {
      {"every account", kAllAccounts, 1, ""},
      {"one account", "acme", 1, "acme"},
      {"no account", "", 2, ""},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    const json w = to_json(Window{parse_prefix("192.0.2.1"), r.scope, kNow, kNow + kHour});
    CHECK(w["format"] == r.format);
    CHECK(w["account"] == r.account);
    CHECK(window_from_json(through_text(w)).account == r.scope);

    UnlockAllSet set;
    set.last_id = 3;
    set.entries = {UnlockAll{2, kNow, "other", std::nullopt}, UnlockAll{3, kNow, r.scope, kNow}};
    const json u = to_json(set);
    CHECK(u["format"] == r.format);
    CHECK(u["entries"][1]["account"] == r.account);
    CHECK(u["entries"][0]["account"] == "other");
    check_same(unlock_alls_from_json(through_text(u)), set);
    // Inside the store rules too, whose own format stays 1.
    StoreRules rules;
    rules.unlock_alls = set;
    const json j = to_json(rules);
    CHECK(j["format"] == kRecordFormat);
    check_same(store_rules_from_json(through_text(j)).unlock_alls, set);
  }
  // In format 2, every account is null: one set with all three scopes.
  UnlockAllSet all_three;
  all_three.last_id = 3;
  all_three.entries = {UnlockAll{1, kNow, kAllAccounts, std::nullopt},
                       UnlockAll{2, kNow, "acme", std::nullopt},
                       UnlockAll{3, kNow, "", std::nullopt}};
  const json j = to_json(all_three);
  CHECK(j["format"] == kScopedRecordFormat);
  CHECK(j["entries"][0]["account"].is_null());
  CHECK(j["entries"][1]["account"] == "acme");
  CHECK(j["entries"][2]["account"] == "");
  check_same(unlock_alls_from_json(through_text(j)), all_three);
}

// Records written by provlock 0.1, byte for byte: "account": "" meant every
// account, and still does in format 1; so does a missing or null account.
TEST_CASE("records: a 0.1 window or unlock-all with an empty account reads as every account") {
  const json window_01 =
      json::parse(R"({"account":"","format":1,"ip":"192.0.2.1","opened":"2026-11-26T12:00:00Z",)"
                  R"("until":"2026-11-26T13:00:00Z"})");
  const Window w = window_from_json(window_01);
  CHECK_FALSE(w.account.has_value());
  Device acme = bare_device();
  acme.account = "acme";
  CHECK(window_admits(w, acme, kNow));
  CHECK(to_json(w) == window_01);  // and is written back unchanged
  CHECK_FALSE(window_from_json(without(window_01, "account")).account.has_value());
  CHECK_FALSE(window_from_json(with(window_01, "account", nullptr)).account.has_value());
  CHECK(window_from_json(with(window_01, "account", "acme")).account == "acme");

  const json unlock_alls_01 =
      json::parse(R"({"entries":[{"account":"","at":"2026-11-26T12:00:00Z","id":4,"until":null},)"
                  R"({"account":"acme","at":"2026-11-26T12:00:00Z","id":5,)"
                  R"("until":"2026-11-26T13:00:00Z"}],"format":1,"last_id":5})");
  const UnlockAllSet set = unlock_alls_from_json(unlock_alls_01);
  REQUIRE(set.entries.size() == 2);
  CHECK_FALSE(set.entries[0].account.has_value());
  CHECK(set.entries[1].account == "acme");
  CHECK(to_json(set) == unlock_alls_01);
  const StoreRules rules =
      store_rules_from_json(json{{"format", 1}, {"unlock_all", unlock_alls_01}});
  REQUIRE(rules.unlock_alls.entries.size() == 2);
  CHECK_FALSE(rules.unlock_alls.entries[0].account.has_value());
}

TEST_CASE("records: a format 2 scope must be there, null or a string") {
  const Decode win = [](const json& j) { window_from_json(j); };
  const Decode ua = [](const json& j) { unlock_alls_from_json(j); };
  const json w2 = to_json(Window{parse_prefix("192.0.2.1"), "", kNow, kNow + kHour});
  REQUIRE(w2["format"] == 2);
  CHECK_FALSE(window_from_json(with(w2, "account", nullptr)).account.has_value());
  CHECK(window_from_json(with(w2, "account", "acme")).account == "acme");
  // Left out, it would read as every account: refused instead.
  check_refused(win, without(w2, "account"), "account");
  check_refused(win, with(w2, "account", 1), "account");
  check_refused(win, with(w2, "account", json::array()), "account");

  UnlockAllSet set;
  set.last_id = 1;
  set.entries = {UnlockAll{1, kNow, "", std::nullopt}};
  json u2 = to_json(set);
  REQUIRE(u2["format"] == 2);
  u2["entries"][0].erase("account");
  check_refused(ua, u2, "account");
  u2["entries"][0]["account"] = false;
  check_refused(ua, u2, "account");
}

TEST_CASE("records: an address record round trips") {
  AddressRecord a;
  a.prefix = parse_prefix("2001:db8:1:2::/64");
  a.attempts = {kNow - 30, kNow - 20, kNow - 10};
  a.banned_since = kNow;
  a.banned_until = kNow + 2 * kHour;
  a.reason = "auto";
  a.times_banned = 2;
  a.last_ban_length = 2 * kHour;
  a.last_activity = kNow;
  a.self_unbans = {kNow - kHour};
  a.last_allowed = kNow - kDay;
  check_same(address_from_json(through_text(to_json(a))), a);

  AddressRecord v4;
  v4.prefix = parse_prefix("198.51.100.7");
  v4.last_activity = kNow - 5;
  check_same(address_from_json(through_text(to_json(v4))), v4);
}

TEST_CASE("records: a range-ban record round trips") {
  RangeBans r;
  r.entries = {RangeBan{parse_prefix("192.0.2.0/24"), kNow, kNow + kDay},
               RangeBan{parse_prefix("2001:db8::/32"), kNow - kHour, kNow + kHour}};
  check_same(range_bans_from_json(through_text(to_json(r))), r);
  check_same(range_bans_from_json(through_text(to_json(RangeBans{}))), RangeBans{});
  // An operator's range bans are written as 0.1 wrote them: no group fields.
  CHECK(to_json(r).dump().find("group") == std::string::npos);
  CHECK(to_json(r).dump().find("members") == std::string::npos);

  // A group ban and the member bans it was made of.
  r.entries.push_back(RangeBan{parse_prefix("2001:db8:1::/48"), kNow, kNow + kHour, 4});
  r.members = {MemberBan{parse_prefix("2001:db8:1:1::/64"), kNow + kHour},
               MemberBan{parse_prefix("2001:db8:1:2::/64"), kNow + 30}};
  check_same(range_bans_from_json(through_text(to_json(r))), r);
  json bad = to_json(r);
  bad["members"][0]["prefix"] = "nope";
  CHECK_THROWS_AS(range_bans_from_json(bad), RecordError);
  bad = to_json(r);
  bad["entries"][2]["group_members"] = -1;
  CHECK_THROWS_AS(range_bans_from_json(bad), RecordError);
}

TEST_CASE("records: refusal of the format version") {
  struct Kind {
    const char* name;
    json valid;
    Decode decode;
    int newest;  // the newest format read
  };
  const std::vector<Kind> kinds = {
      {"device", device_json(), [](const json& j) { device_from_json(j); }, 1},
      {"unlock-alls", unlock_alls_json(), [](const json& j) { unlock_alls_from_json(j); }, 2},
      {"window", window_json(), [](const json& j) { window_from_json(j); }, 3},
      {"address", address_json(), [](const json& j) { address_from_json(j); }, 1},
      {"range bans", to_json(RangeBans{}), [](const json& j) { range_bans_from_json(j); }, 1},
  };
  for (const Kind& k : kinds) {
    CAPTURE(k.name);
    REQUIRE_NOTHROW(k.decode(k.valid));
    for (int format = 1; format <= k.newest; ++format)
      CHECK_NOTHROW(k.decode(with(k.valid, "format", format)));
    check_refused(k.decode, without(k.valid, "format"), "format");
    check_refused(k.decode, with(k.valid, "format", nullptr), "format");
    check_refused(k.decode, with(k.valid, "format", k.newest + 1), "newer");
    check_refused(k.decode, with(k.valid, "format", std::int64_t{1} << 40), "newer");
    check_refused(k.decode, with(k.valid, "format", 0), "format");
    check_refused(k.decode, with(k.valid, "format", "1"), "format");
    check_refused(k.decode, with(k.valid, "format", 1.0), "format");
    check_refused(k.decode, json::array(), "object");
    check_refused(k.decode, json("text"), "object");
    check_refused(k.decode, json(nullptr), "object");
  }
}

TEST_CASE("records: refusal of a device record with a bad field") {
  const Decode decode = [](const json& j) { device_from_json(j); };
  struct Row {
    const char* name;
    json j;
    const char* mentions;
  };
  const json d = device_json();
  const Row rows[] = {
      {"missing mac", without(d, "mac"), "mac"},
      {"mac as a number", with(d, "mac", 1122), "mac"},
      {"mac not hex", with(d, "mac", "00112233445z"), "mac"},
      {"mac too short", with(d, "mac", "0011223344"), "mac"},
      {"mac all zero", with(d, "mac", "000000000000"), "mac"},
      {"mac all ones", with(d, "mac", "ffffffffffff"), "mac"},
      {"mac multicast", with(d, "mac", "01005e000001"), "mac"},
      {"missing registered", without(d, "registered"), "registered"},
      {"registered as unix seconds", with(d, "registered", 1795694400), "registered"},
      {"registered month 13", with(d, "registered", "2026-13-01T00:00:00Z"), "registered"},
      {"registered Feb 30", with(d, "registered", "2026-02-30T00:00:00Z"), "registered"},
      {"registered not a time", with(d, "registered", "yesterday"), "registered"},
      {"bound_at not a time", with(d, "bound_at", "2026-11-26"), "bound_at"},
      {"unlock_until not a time", with(d, "unlock_until", "2026-11-26T25:00:00Z"), "unlock_until"},
      {"last_seen as a number", with(d, "last_seen", 5), "last_seen"},
      {"bound_ip not an address", with(d, "bound_ip", "192.0.2.300"), "bound_ip"},
      {"bound_ip with a zone", with(d, "bound_ip", "fe80::1%eth0"), "bound_ip"},
      {"bound_ip as a number", with(d, "bound_ip", 3221225985), "bound_ip"},
      {"last_ip not an address", with(d, "last_ip", "host.example"), "last_ip"},
      {"account as a number", with(d, "account", 7), "account"},
      {"label as an array", with(d, "label", json::array()), "label"},
      {"blocked as a string", with(d, "blocked", "yes"), "blocked"},
      {"blocked as a number", with(d, "blocked", 1), "blocked"},
      {"allowed negative", with(d, "allowed", -1), "allowed"},
      {"denied as a string", with(d, "denied", "3"), "denied"},
      {"unlock_all_seen as a float", with(d, "unlock_all_seen", 1.5), "unlock_all_seen"},
      {"foreign as a string", with(d, "foreign", "2026-11-26T12:00:00Z"), "foreign"},
      {"foreign with a bad time", with(d, "foreign", json::array({"noon"})), "foreign"},
      {"foreign with a number", with(d, "foreign", json::array({1795694400})), "foreign"},
      {"foreign without its address",
       with(d, "foreign", json::array({json{{"at", "2026-11-26T12:00:00Z"}}})), "ip"},
      {"foreign with a bad address",
       with(d, "foreign", json::array({json{{"at", "2026-11-26T12:00:00Z"}, {"ip", "x"}}})), "ip"},
      {"foreign without its time", with(d, "foreign", json::array({json{{"ip", "192.0.2.1"}}})),
       "at"},
      {"user as a number", with(d, "user", 7), "user"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    check_refused(decode, r.j, r.mentions);
  }
}

// The fields are checked in the order of Device's members, so a record with
// several faults is refused for the first of them in that order (not in
// byte order of the names, the order of the record's text).
TEST_CASE("records: a device record with several bad fields is refused for the first") {
  const Decode decode = [](const json& j) { device_from_json(j); };
  const json d = device_json();
  check_refused(decode, with(without(d, "mac"), "account", 7), "\"mac\" is missing");
  check_refused(decode, with(with(d, "registered", 5), "account", 7), "\"account\"");
  check_refused(decode, with(with(d, "denied", -1), "allowed", -1), "\"allowed\"");
  check_refused(decode, with(with(d, "allowed", -1), "registered", 5), "\"registered\"");
  check_refused(decode, with(with(d, "blocked", 1), "unlock_all_seen", -1), "\"unlock_all_seen\"");
  check_refused(decode, with(with(d, "label", 1), "format", 2), "format");
}

TEST_CASE("records: refusal of unlock-all, window and address records with a bad field") {
  struct Row {
    const char* name;
    Decode decode;
    json j;
    const char* mentions;
  };
  const Decode ua = [](const json& j) { unlock_alls_from_json(j); };
  const Decode win = [](const json& j) { window_from_json(j); };
  const Decode addr = [](const json& j) { address_from_json(j); };
  json entry_bad_time = unlock_alls_json();
  entry_bad_time["entries"][0]["at"] = "noon";
  json entry_bad_until = unlock_alls_json();
  entry_bad_until["entries"][0]["until"] = 5;
  json entry_bad_id = unlock_alls_json();
  entry_bad_id["entries"][0]["id"] = "2";
  json entry_not_object = unlock_alls_json();
  entry_not_object["entries"][0] = 2;

  const std::vector<Row> rows = {
      {"unlock-alls: no entries", ua, without(unlock_alls_json(), "entries"), "entries"},
      {"unlock-alls: entries not an array", ua, with(unlock_alls_json(), "entries", "x"),
       "entries"},
      {"unlock-alls: last_id negative", ua, with(unlock_alls_json(), "last_id", -1), "last_id"},
      {"unlock-alls: entry with a bad time", ua, entry_bad_time, "at"},
      {"unlock-alls: entry with a numeric until", ua, entry_bad_until, "until"},
      {"unlock-alls: entry with a string id", ua, entry_bad_id, "id"},
      {"unlock-alls: entry not an object", ua, entry_not_object, "object"},
      {"window: no ip", win, without(window_json(), "ip"), "ip"},
      {"window: bad ip", win, with(window_json(), "ip", "192.0.2"), "ip"},
      {"window: no opened", win, without(window_json(), "opened"), "opened"},
      {"window: bad until", win, with(window_json(), "until", "2026-11-26T12:00:60Z"), "until"},
      {"window: account as a number", win, with(window_json(), "account", 1), "account"},
      {"address: no prefix", addr, without(address_json(), "prefix"), "prefix"},
      {"address: bad prefix", addr, with(address_json(), "prefix", "198.51.100.0/33"), "prefix"},
      {"address: attempts with a bad time", addr,
       with(address_json(), "attempts", json::array({"soon"})), "attempts"},
      {"address: banned_until not a time", addr, with(address_json(), "banned_until", true),
       "banned_until"},
      {"address: no last_activity", addr, without(address_json(), "last_activity"),
       "last_activity"},
      {"address: times_banned negative", addr, with(address_json(), "times_banned", -2),
       "times_banned"},
      {"address: last_ban_length a string", addr, with(address_json(), "last_ban_length", "1h"),
       "last_ban_length"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    check_refused(r.decode, r.j, r.mentions);
  }
}

// records.hpp: a record that lacks a field is refused. An unlock-all entry
// without its id would read as id 0, which applies to no device, and a set
// without last_id would read as 0, so that a fetch never uses the unlock-all up
// (bind() records last_id as seen): both silently change who may fetch.
TEST_CASE("records: an unlock-all record without its ids is refused") {
  const Decode decode = [](const json& j) { unlock_alls_from_json(j); };
  json no_entry_id = unlock_alls_json();
  no_entry_id["entries"][0].erase("id");
  check_refused(decode, no_entry_id, "id");
  check_refused(decode, without(unlock_alls_json(), "last_id"), "last_id");
}

TEST_CASE("records: store rules carry unlock-alls and range bans together") {
  StoreRules r;
  r.unlock_alls.last_id = 7;
  r.unlock_alls.entries.push_back({7, parse_time("2026-11-26T12:00:00Z"), "acme", std::nullopt});
  r.range_bans.entries.push_back({parse_prefix("192.0.2.0/24"), parse_time("2026-11-26T12:00:00Z"),
                                  parse_time("2026-11-27T12:00:00Z")});
  const StoreRules back = store_rules_from_json(to_json(r));
  CHECK(back.unlock_alls.last_id == 7);
  REQUIRE(back.unlock_alls.entries.size() == 1);
  CHECK(back.unlock_alls.entries[0].account == "acme");
  REQUIRE(back.range_bans.entries.size() == 1);
  CHECK(back.range_bans.find(parse_ip("192.0.2.9"), parse_time("2026-11-27T11:59:59Z")));
  CHECK_FALSE(back.range_bans.find(parse_ip("192.0.2.9"), parse_time("2026-11-27T12:00:00Z")));
  CHECK_FALSE(back.range_bans.find(parse_ip("192.0.3.9"), parse_time("2026-11-26T12:00:00Z")));
  // An empty record reads as no rules.
  const StoreRules none = store_rules_from_json(nlohmann::json{{"format", kRecordFormat}});
  CHECK(none.unlock_alls.entries.empty());
  CHECK(none.range_bans.entries.empty());
}
