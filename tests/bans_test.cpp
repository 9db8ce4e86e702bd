// SPEC §4 (counting after the decision) and §5 (bans): the sliding window,
// escalation, what counts, and what an address is counted by.
#include "lib/bans.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "lib/ip.hpp"
#include "lib/timefmt.hpp"

using namespace provlock;

namespace {

const UnixTime kNow = parse_time("2026-11-26T12:00:00Z");
constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWeek = 7 * kDay;

AddressRecord record_for(const char* ip, const Config& cfg = Config{}) {
  AddressRecord rec;
  rec.prefix = ban_key(parse_ip(ip), cfg);
  return rec;
}

// Counts `n` fetches at start, start + step, ...; returns the 1-based index of
// the fetch that banned, or 0 when none did.
int count_until_ban(AddressRecord& rec, const Config& cfg, int n, UnixTime start,
                    std::int64_t step) {
  for (int i = 1; i <= n; ++i)
    if (count_fetch(rec, cfg, start + (i - 1) * step)) return i;
  return 0;
}

// Drives `rec` into its next automatic ban from `start` (21 fetches a second
// apart with the defaults) and returns the length of that ban.
std::int64_t provoke_ban(AddressRecord& rec, const Config& cfg, UnixTime start) {
  int i = count_until_ban(rec, cfg, cfg.ban.max_attempts + 1, start, 1);
  REQUIRE(i == cfg.ban.max_attempts + 1);
  return *rec.banned_until - *rec.banned_since;
}

}  // namespace

TEST_CASE("bans: the 21st counted fetch within find_time bans, the 20th does not") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  // 20 fetches, one every 2 minutes: none bans.
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    CHECK_FALSE(count_fetch(rec, cfg, kNow + i * 2 * kMinute));
    CHECK_FALSE(rec.banned_at(kNow + i * 2 * kMinute));
  }
  CHECK(rec.attempts.size() == 20);
  CHECK(rec.times_banned == 0);
  // The 21st, within an hour of the first, bans from the next request on.
  const UnixTime t21 = kNow + 20 * 2 * kMinute;
  CHECK(count_fetch(rec, cfg, t21));
  CHECK(rec.banned_at(t21));
  CHECK(rec.banned_since == t21);
  CHECK(rec.banned_until == t21 + kHour);
  CHECK(rec.reason == "auto");
  CHECK(rec.times_banned == 1);
  CHECK(rec.last_ban_length == kHour);
  CHECK(rec.last_activity == t21);
  // The ban lasts ban_time to the second.
  CHECK(rec.banned_at(t21 + kHour - 1));
  CHECK_FALSE(rec.banned_at(t21 + kHour));
}

TEST_CASE("bans: the window's edges") {
  struct Row {
    const char* name;
    std::int64_t last_offset;  // when the 21st fetch comes, after the first
    bool bans;
  };
  const Row rows[] = {
      {"21st at find_time - 1s: the first still counts", kHour - 1, true},
      {"21st at exactly find_time: the first no longer counts", kHour, false},
      {"21st at find_time + 1s", kHour + 1, false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Config cfg;
    AddressRecord rec = record_for("198.51.100.7");
    // The first at kNow, 19 more in the last minutes before the 21st.
    CHECK_FALSE(count_fetch(rec, cfg, kNow));
    for (int i = 19; i >= 1; --i) CHECK_FALSE(count_fetch(rec, cfg, kNow + r.last_offset - i));
    CHECK(count_fetch(rec, cfg, kNow + r.last_offset) == r.bans);
  }

  SUBCASE("a fetch exactly find_time after another no longer sees it") {
    Config cfg;
    AddressRecord rec = record_for("198.51.100.7");
    count_fetch(rec, cfg, kNow);
    count_fetch(rec, cfg, kNow + kHour);
    CHECK(rec.attempts == std::vector<UnixTime>{kNow + kHour});
  }
  SUBCASE("one second before find_time it still does") {
    Config cfg;
    AddressRecord rec = record_for("198.51.100.7");
    count_fetch(rec, cfg, kNow);
    count_fetch(rec, cfg, kNow + kHour - 1);
    CHECK(rec.attempts == std::vector<UnixTime>{kNow, kNow + kHour - 1});
  }
}

TEST_CASE("bans: custom max_attempts and find_time") {
  Config cfg;
  cfg.ban.max_attempts = 3;
  cfg.ban.find_time = 10 * kMinute;
  AddressRecord rec = record_for("198.51.100.7", cfg);
  CHECK(count_until_ban(rec, cfg, 4, kNow, 3 * kMinute) == 4);  // 4th at +9m: within 10m

  AddressRecord slow = record_for("198.51.100.8", cfg);
  CHECK(count_until_ban(slow, cfg, 100, kNow, 200) == 0);  // at most 3 in any 10 minutes
}

TEST_CASE("bans: a banned address learns nothing more until its ban ends") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  const std::int64_t len = provoke_ban(rec, cfg, kNow);
  CHECK(len == kHour);
  const UnixTime until = *rec.banned_until;
  CHECK(rec.attempts.empty());
  for (int i = 0; i < 100; ++i) CHECK_FALSE(count_fetch(rec, cfg, kNow + 30 + i));
  CHECK(rec.attempts.empty());
  CHECK(rec.banned_until == until);  // not extended
  CHECK(rec.times_banned == 1);
  CHECK(rec.last_activity == kNow + 30 + 99);
  // At the second the ban ends, counting starts afresh.
  CHECK_FALSE(count_fetch(rec, cfg, until));
  CHECK(rec.attempts == std::vector<UnixTime>{until});
}

TEST_CASE("bans: the attempts log stays bounded after 100,000 counted fetches") {
  SUBCASE("a steady rate that never bans") {
    Config cfg;
    AddressRecord rec = record_for("198.51.100.7");
    // One every 180s: exactly 20 in any hour, never 21.
    for (int i = 0; i < 100000; ++i) {
      REQUIRE_FALSE(count_fetch(rec, cfg, kNow + i * 180));
      REQUIRE(rec.attempts.size() <= static_cast<std::size_t>(cfg.ban.max_attempts) + 1);
    }
    CHECK(rec.attempts.size() == 20);
    CHECK(rec.times_banned == 0);
  }
  SUBCASE("a flood, banned and let go again and again") {
    Config cfg;
    cfg.ban.ban_time = kMinute;
    cfg.ban.max_ban_time = kMinute;
    AddressRecord rec = record_for("198.51.100.7");
    int bans = 0;
    for (int i = 0; i < 100000; ++i) {
      if (count_fetch(rec, cfg, kNow + i)) ++bans;
      REQUIRE(rec.attempts.size() <= static_cast<std::size_t>(cfg.ban.max_attempts) + 1);
    }
    CHECK(bans > 1000);
    CHECK(rec.times_banned == static_cast<std::uint32_t>(bans));
  }
  SUBCASE("a huge log loaded from a record is cut down on the next count") {
    Config cfg;
    cfg.ban.max_attempts = kMaxCount;
    AddressRecord rec = record_for("198.51.100.7");
    // A record that holds 999 recent attempts: one more does not ban...
    rec.attempts.assign(kMaxCount - 1, kNow - kMinute);
    CHECK_FALSE(count_fetch(rec, cfg, kNow));
    CHECK(rec.attempts.size() == static_cast<std::size_t>(kMaxCount));
    // ...but under the default of 20 the next count bans and empties the log.
    cfg.ban.max_attempts = 20;
    CHECK(count_fetch(rec, cfg, kNow + 1));
    CHECK(rec.attempts.empty());
  }
}

TEST_CASE("bans: escalation with the defaults, 1h doubling up to 1w") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  const std::vector<std::int64_t> expected = {
      kHour,      2 * kHour,  4 * kHour,   8 * kHour, 16 * kHour,
      32 * kHour, 64 * kHour, 128 * kHour, kWeek,     kWeek,
  };
  UnixTime t = kNow;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(next_ban_length(rec, cfg) == expected[i]);
    CHECK(provoke_ban(rec, cfg, t) == expected[i]);
    CHECK(rec.times_banned == i + 1);
    CHECK(rec.last_ban_length == expected[i]);
    t = *rec.banned_until;  // the next flood starts when this ban ends
    CHECK_FALSE(rec.banned_at(t));
  }
}

TEST_CASE("bans: escalation with custom settings") {
  struct Row {
    const char* name;
    double factor;
    std::int64_t ban_time;
    std::int64_t max_ban_time;
    std::vector<std::int64_t> expected;
  };
  const Row rows[] = {
      {"factor 3",
       3.0,
       kHour,
       kWeek,
       {kHour, 3 * kHour, 9 * kHour, 27 * kHour, 81 * kHour, kWeek, kWeek}},
      {"factor 1.5", 1.5, kHour, kWeek, {3600, 5400, 8100, 12150}},
      {"factor 1: never longer", 1.0, kHour, kWeek, {kHour, kHour, kHour}},
      {"10m doubling up to 1h", 2.0, 10 * kMinute, kHour, {600, 1200, 2400, 3600, 3600}},
      {"ban_time equal to max_ban_time", 2.0, kDay, kDay, {kDay, kDay, kDay}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Config cfg;
    cfg.ban.factor = r.factor;
    cfg.ban.ban_time = r.ban_time;
    cfg.ban.max_ban_time = r.max_ban_time;
    AddressRecord rec = record_for("198.51.100.7");
    UnixTime t = kNow;
    for (std::int64_t want : r.expected) {
      CHECK(provoke_ban(rec, cfg, t) == want);
      t = *rec.banned_until;
    }
  }
}

TEST_CASE("bans: times_banned is kept after a ban ends") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  provoke_ban(rec, cfg, kNow);
  const UnixTime ended = *rec.banned_until;
  // Long after the ban ended, the address is still a repeat offender.
  const UnixTime later = ended + 30 * kDay;
  CHECK_FALSE(rec.banned_at(ended));
  CHECK_FALSE(rec.banned_at(later));
  CHECK(rec.times_banned == 1);
  CHECK(rec.last_ban_length == kHour);
  CHECK(next_ban_length(rec, cfg) == 2 * kHour);
  CHECK(provoke_ban(rec, cfg, later) == 2 * kHour);
  CHECK(rec.times_banned == 2);
}

TEST_CASE("bans: impose_ban with an explicit length and escalated") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  rec.attempts = {kNow - 10, kNow - 5};
  impose_ban(rec, cfg, kNow, 2 * kDay, "manual");
  CHECK(rec.banned_since == kNow);
  CHECK(rec.banned_until == kNow + 2 * kDay);
  CHECK(rec.reason == "manual");
  CHECK(rec.times_banned == 1);
  CHECK(rec.attempts.empty());
  CHECK(rec.banned_at(kNow + 2 * kDay - 1));
  CHECK_FALSE(rec.banned_at(kNow + 2 * kDay));

  AddressRecord fresh = record_for("198.51.100.8");
  impose_ban(fresh, cfg, kNow, std::nullopt, "auto");
  CHECK(fresh.banned_until == kNow + kHour);
}

TEST_CASE("bans: which fetches count (ban.count, ban.ignore)") {
  struct Row {
    const char* name;
    const char* ip;
    bool denied;
    BanCount count;
    std::vector<const char*> ignore;
    bool counts;
  };
  const Row rows[] = {
      {"denied, count denied", "198.51.100.7", true, BanCount::denied, {}, true},
      {"allowed, count denied", "198.51.100.7", false, BanCount::denied, {}, false},
      {"denied, count all", "198.51.100.7", true, BanCount::all, {}, true},
      {"allowed, count all", "198.51.100.7", false, BanCount::all, {}, true},
      {"denied, ignored /8", "10.1.2.3", true, BanCount::denied, {"10.0.0.0/8"}, false},
      {"allowed, count all, ignored /8", "10.1.2.3", false, BanCount::all, {"10.0.0.0/8"}, false},
      {"denied, outside the ignored ranges",
       "198.51.100.7",
       true,
       BanCount::denied,
       {"10.0.0.0/8", "192.168.0.0/16"},
       true},
      {"denied, in the second ignored range",
       "192.168.7.7",
       true,
       BanCount::denied,
       {"10.0.0.0/8", "192.168.0.0/16"},
       false},
      {"denied, ignored single address",
       "203.0.113.5",
       true,
       BanCount::denied,
       {"203.0.113.5"},
       false},
      {"denied, next to an ignored address",
       "203.0.113.6",
       true,
       BanCount::denied,
       {"203.0.113.5"},
       true},
      {"denied, ignored v6 range",
       "2001:db8:5::1",
       true,
       BanCount::denied,
       {"2001:db8::/32"},
       false},
      {"denied, v6 outside", "2001:db9::1", true, BanCount::denied, {"2001:db8::/32"}, true},
      {"denied, mapped address in an ignored v4 range",
       "::ffff:10.1.2.3",
       true,
       BanCount::denied,
       {"10.0.0.0/8"},
       false},
      {"a v4 range does not cover v6", "2001:db8::1", true, BanCount::denied, {"0.0.0.0/0"}, true},
      {"a scan, count scans, ignored", "10.1.2.3", true, BanCount::scans, {"10.0.0.0/8"}, false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Config cfg;
    cfg.ban.count = r.count;
    for (const char* p : r.ignore) cfg.ban.ignore.push_back(parse_prefix(p));
    const Reason reason = r.denied ? Reason::unknown_device : Reason::same_ip;
    CHECK(fetch_counts(parse_ip(r.ip), !r.denied, reason, cfg) == r.counts);
  }
}

// SPEC §5: ban.count = "scans" (the default) counts the denials that look
// like scanning, not those of an office's own phones.
TEST_CASE("bans: ban.count chooses which reasons count") {
  const Ip ip = parse_ip("198.51.100.7");
  struct Row {
    Reason reason;
    bool allowed;
    bool scans, denied, all;
  };
  const Row rows[] = {
      {Reason::unknown_device, false, true, true, true},
      {Reason::auth_mismatch, false, true, true, true},
      {Reason::mac_mismatch, false, true, true, true},
      {Reason::no_mac, false, true, true, true},
      {Reason::locked, false, false, true, true},
      {Reason::blocked, false, false, true, true},
      {Reason::stale_registration, false, false, true, true},
      // A registered device's fetch from a banned address (ops/check.cpp
      // gives a banned fetch of an unknown MAC as unknown-device).
      {Reason::banned, false, false, true, true},
      {Reason::same_ip, true, false, false, true},
      {Reason::first_provision, true, false, false, true},
      {Reason::window, true, false, false, true},
      {Reason::authenticated, true, false, false, true},
  };
  for (const Row& r : rows) {
    CAPTURE(token(r.reason));
    Config cfg;
    CHECK(cfg.ban.count == BanCount::scans);  // the default
    CHECK(fetch_counts(ip, r.allowed, r.reason, cfg) == r.scans);
    CHECK(looks_like_scan(r.reason) == r.scans);
    cfg.ban.count = BanCount::denied;
    CHECK(fetch_counts(ip, r.allowed, r.reason, cfg) == r.denied);
    cfg.ban.count = BanCount::all;
    CHECK(fetch_counts(ip, r.allowed, r.reason, cfg) == r.all);
  }
}

TEST_CASE("bans: an address is counted by its IPv4 address or its IPv6 /64") {
  Config cfg;
  struct Row {
    const char* name;
    const char* a;
    const char* b;
    bool same;
  };
  const Row rows[] = {
      {"v4: the address itself", "198.51.100.7", "198.51.100.7", true},
      {"v4: the neighbour is another key", "198.51.100.7", "198.51.100.8", false},
      {"v4 and its mapped form", "198.51.100.7", "::ffff:198.51.100.7", true},
      {"v6: two addresses in one /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", true},
      {"v6: a different /64", "2001:db8:1:2::1", "2001:db8:1:3::1", false},
      {"v6: a different /48", "2001:db8:1:2::1", "2001:db8:2:2::1", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    CHECK((ban_key(parse_ip(r.a), cfg) == ban_key(parse_ip(r.b), cfg)) == r.same);
  }
  CHECK(ban_key(parse_ip("198.51.100.7"), cfg).str() == "198.51.100.7/32");
  CHECK(ban_key(parse_ip("2001:db8:1:2:3:4:5:6"), cfg).str() == "2001:db8:1:2::/64");
  CHECK(ban_key(parse_ip("2001:db8:1:2:3:4:5:6"), cfg).length == 64);
  // bind width does not change the ban key
  cfg.lock.bind_prefix_v4 = 24;
  CHECK(ban_key(parse_ip("198.51.100.7"), cfg).length == 32);
}

TEST_CASE("bans: a custom ban.ipv6_prefix") {
  Config cfg;
  cfg.ban.ipv6_prefix = 48;
  CHECK(ban_key(parse_ip("2001:db8:1:2::1"), cfg) == ban_key(parse_ip("2001:db8:1:ffff::1"), cfg));
  CHECK(ban_key(parse_ip("2001:db8:1:2::1"), cfg) != ban_key(parse_ip("2001:db8:2::1"), cfg));
  CHECK(ban_key(parse_ip("2001:db8:1:2::1"), cfg).str() == "2001:db8:1::/48");
  // IPv4 is still counted per address.
  CHECK(ban_key(parse_ip("198.51.100.7"), cfg).length == 32);

  cfg.ban.ipv6_prefix = 128;
  CHECK(ban_key(parse_ip("2001:db8::1"), cfg) != ban_key(parse_ip("2001:db8::2"), cfg));
  cfg.ban.ipv6_prefix = 56;
  CHECK(ban_key(parse_ip("2001:db8:1:2ff::1"), cfg) == ban_key(parse_ip("2001:db8:1:200::1"), cfg));
  CHECK(ban_key(parse_ip("2001:db8:1:300::1"), cfg) != ban_key(parse_ip("2001:db8:1:200::1"), cfg));
}

TEST_CASE("bans: fetches from one /64 share one count") {
  Config cfg;
  AddressRecord rec = record_for("2001:db8:1:2::1");
  // 21 denied fetches, each from a different address of the same /64.
  int banned_at = 0;
  for (int i = 1; i <= 21 && !banned_at; ++i) {
    Ip ip = parse_ip("2001:db8:1:2::" + std::to_string(i));
    REQUIRE(ban_key(ip, cfg) == rec.prefix);
    if (count_fetch(rec, cfg, kNow + i)) banned_at = i;
  }
  CHECK(banned_at == 21);
}

TEST_CASE("bans: only provlock's own ban can be self-lifted, and only so often (SPEC §5)") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::not_banned);

  impose_ban(rec, cfg, kNow, kHour, "auto");
  CHECK_FALSE(self_unban_bar(rec, cfg, kNow, true).has_value());
  // Two self-unbans in the last 24h, one older: one more is allowed.
  rec.self_unbans = {kNow - kDay, kNow - kHour, kNow - kMinute};
  CHECK(recent_self_unbans(rec, kNow) == 2);
  CHECK_FALSE(self_unban_bar(rec, cfg, kNow, true).has_value());
  rec.self_unbans.push_back(kNow);
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::over_limit);
  rec.self_unbans.clear();
  cfg.ban.self_unban_max = 0;
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::turned_off);
  cfg.ban.self_unban_max = 3;

  // An operator's `ban add IP`: never, whatever is left of the limit.
  impose_ban(rec, cfg, kNow, kHour, "manual");
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::operator_ban);
  // A ban of unknown origin is not provlock's own either.
  rec.reason = "";
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::operator_ban);
  // Once it has ended there is nothing to lift.
  CHECK(self_unban_bar(rec, cfg, kNow + kHour, true) == SelfUnbanBar::not_banned);
}

TEST_CASE("bans: a lifted ban lets the address fetch again and its next ban escalates") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  for (int i = 0; i <= cfg.ban.max_attempts; ++i) count_fetch(rec, cfg, kNow);
  REQUIRE(rec.banned_at(kNow + 1));
  lift_ban(rec);
  CHECK_FALSE(rec.banned_at(kNow + 1));
  CHECK(rec.attempts.empty());
  CHECK(rec.times_banned == 1);
  CHECK(count_until_ban(rec, cfg, cfg.ban.max_attempts + 1, kNow + 2, 1) ==
        cfg.ban.max_attempts + 1);
  CHECK(rec.banned_until == kNow + 2 + cfg.ban.max_attempts + 2 * kHour);
}

TEST_CASE("bans: a self-unban is remembered for 24 hours to the second") {
  AddressRecord rec = record_for("198.51.100.7");
  rec.self_unbans = {kNow - kDay, kNow - kDay + 1, kNow - kHour};
  impose_ban(rec, Config{}, kNow - 60, kHour, "auto");
  self_lift_ban(rec, kNow);
  CHECK_FALSE(rec.banned_at(kNow));
  CHECK(rec.last_activity == kNow);
  CHECK(rec.self_unbans == std::vector<UnixTime>{kNow - kDay + 1, kNow - kHour, kNow});
  CHECK(recent_self_unbans(rec, kNow) == 3);
  CHECK(recent_self_unbans(rec, kNow + 1) == 2);
}

TEST_CASE("bans: counted fetches ban.find_time old no longer count, one second younger do") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  rec.attempts = {kNow - kHour - 1, kNow - kHour, kNow - kHour + 1, kNow - 1};
  CHECK(drop_old_attempts(rec, cfg, kNow) == 2);
  CHECK(rec.attempts == std::vector<UnixTime>{kNow - kHour + 1, kNow - 1});
  CHECK(drop_old_attempts(rec, cfg, kNow) == 0);
  // The config decides how long: 10 minutes here.
  cfg.ban.find_time = 10 * kMinute;
  rec.attempts = {kNow};
  CHECK(drop_old_attempts(rec, cfg, kNow + 10 * kMinute - 1) == 0);
  CHECK(drop_old_attempts(rec, cfg, kNow + 10 * kMinute) == 1);
  CHECK(rec.attempts.empty());
}

TEST_CASE("bans: ip_ban names the range ban and the address's own ban, each to its second") {
  const Ip ip = parse_ip("198.51.100.7");
  std::optional<AddressRecord> own = record_for("198.51.100.7");
  impose_ban(*own, Config{}, kNow, kHour, "auto");
  const RangeBans none;
  const std::optional<AddressRecord> no_record;
  const RangeBans ranges{{RangeBan{parse_prefix("198.51.100.0/24"), kNow, kNow + 2 * kHour},
                          RangeBan{parse_prefix("192.0.2.0/24"), kNow, kNow + kDay}}};

  CHECK_FALSE(ip_ban(ip, no_record, none, kNow));
  const std::optional<AddressRecord> never_banned = record_for("198.51.100.7");
  CHECK_FALSE(ip_ban(ip, never_banned, none, kNow));

  IpBan at_end = ip_ban(ip, own, none, kNow + kHour - 1);
  CHECK(at_end);
  CHECK(at_end.address == &*own);
  CHECK(at_end.range == nullptr);
  CHECK_FALSE(ip_ban(ip, own, none, kNow + kHour));

  IpBan both = ip_ban(ip, own, ranges, kNow);
  CHECK(both.address == &*own);
  REQUIRE(both.range);
  CHECK(both.range->prefix.str() == "198.51.100.0/24");
  IpBan range_only = ip_ban(ip, own, ranges, kNow + kHour);
  CHECK(range_only.address == nullptr);
  CHECK(range_only.range == &ranges.entries[0]);
  CHECK_FALSE(ip_ban(ip, own, ranges, kNow + 2 * kHour));
  // A range over other addresses does not reach this one.
  CHECK_FALSE(ip_ban(parse_ip("198.51.101.7"), no_record, ranges, kNow));
}

// With ban.ipv6_prefix = 48, the record of the /48 is every address's in it:
// its ban keeps them all out, and an address of the next /48 has a record of
// its own.
TEST_CASE("bans: ip_ban of an IPv6 address is the ban of its ban.ipv6_prefix") {
  Config cfg;
  cfg.ban.ipv6_prefix = 48;
  const Ip scanner = parse_ip("2001:db8:1:2::1");
  const Ip neighbour = parse_ip("2001:db8:1:ffff::9");
  const Ip next = parse_ip("2001:db8:2::1");
  std::optional<AddressRecord> key = AddressRecord{};
  key->prefix = ban_key(scanner, cfg);
  CHECK(key->prefix.str() == "2001:db8:1::/48");
  impose_ban(*key, cfg, kNow, kHour, "auto");

  REQUIRE(ban_key(neighbour, cfg) == key->prefix);
  const RangeBans no_ranges;
  CHECK(ip_ban(neighbour, key, no_ranges, kNow).address == &*key);
  CHECK_FALSE(ban_key(next, cfg) == key->prefix);
  const std::optional<AddressRecord> next_record;
  CHECK_FALSE(ip_ban(next, next_record, no_ranges, kNow));
  // With the default /64 the neighbour has a key of its own.
  CHECK_FALSE(ban_key(neighbour, Config{}) == ban_key(scanner, Config{}));
}

TEST_CASE("bans: self-unban is open up to the last second of the ban, and the 24h edge") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  impose_ban(rec, cfg, kNow, kHour, "auto");
  CHECK_FALSE(self_unban_bar(rec, cfg, kNow + kHour - 1, true).has_value());
  CHECK(self_unban_bar(rec, cfg, kNow + kHour, true) == SelfUnbanBar::not_banned);

  // Three self-unbans within 24h spend the limit; the oldest leaves it at
  // exactly 24h after it, not a second sooner.
  rec.self_unbans = {kNow - kDay + 1, kNow - kHour, kNow - 1};
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::over_limit);
  rec.self_unbans = {kNow - kDay, kNow - kHour, kNow - 1};
  CHECK_FALSE(self_unban_bar(rec, cfg, kNow, true).has_value());
}

// SPEC §5: a self-unban is for a known address (a registered device was
// allowed from it within ban.self_unban_known) or a device's own identity.
TEST_CASE("bans: only a known address, or a device's identity, may lift its own ban") {
  Config cfg;
  AddressRecord rec = record_for("198.51.100.7");
  impose_ban(rec, cfg, kNow, kHour, "auto");
  // A scanner that never provisioned anything.
  CHECK(self_unban_bar(rec, cfg, kNow, false) == SelfUnbanBar::unknown_address);
  CHECK_FALSE(self_unban_bar(rec, cfg, kNow, true).has_value());
  // A phone was allowed from it 30 days ago less a second: known.
  rec.last_allowed = kNow - 30 * kDay + 1;
  CHECK(address_known(rec, cfg, kNow));
  CHECK_FALSE(self_unban_bar(rec, cfg, kNow, false).has_value());
  // Exactly 30 days ago: no longer.
  rec.last_allowed = kNow - 30 * kDay;
  CHECK_FALSE(address_known(rec, cfg, kNow));
  CHECK(self_unban_bar(rec, cfg, kNow, false) == SelfUnbanBar::unknown_address);
  cfg.ban.self_unban_known = 31 * kDay;
  CHECK(address_known(rec, cfg, kNow));
  // A trace from the future (a replay with --now) does not make it known.
  rec.last_allowed = kNow + 1;
  CHECK_FALSE(address_known(rec, cfg, kNow));
  // Turned off, or an operator's ban: the identity does not help.
  cfg.ban.self_unban_max = 0;
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::turned_off);
  cfg.ban.self_unban_max = 3;
  rec.reason = "manual";
  CHECK(self_unban_bar(rec, cfg, kNow, true) == SelfUnbanBar::operator_ban);
}

TEST_CASE("bans: an allowed fetch's trace is written at most once a day") {
  AddressRecord rec = record_for("198.51.100.7");
  CHECK(allowed_trace_due(std::nullopt, kNow));
  CHECK(allowed_trace_due(rec, kNow));
  CHECK(note_allowed(rec, kNow));
  CHECK(rec.last_allowed == kNow);
  CHECK_FALSE(allowed_trace_due(rec, kNow + kDay - 1));
  CHECK_FALSE(note_allowed(rec, kNow + kDay - 1));
  CHECK(rec.last_allowed == kNow);
  CHECK(allowed_trace_due(rec, kNow + kDay));
  CHECK(note_allowed(rec, kNow + kDay));
  CHECK(rec.last_allowed == kNow + kDay);
  // It is no counted fetch: the address's quiet time is not reset.
  CHECK(rec.last_activity == 0);
}

// SPEC §5: more than ban.ipv6_group_bans (3) /64s of one /48 banned at once
// ban the whole /48 until the last of them ends.
TEST_CASE("bans: the group rule, to the second") {
  Config cfg;
  auto key = [&](const char* ip) { return ban_key(parse_ip(ip), cfg); };
  CHECK(ban_group(key("2001:db8:1:2::1"), cfg) == parse_prefix("2001:db8:1::/48"));
  CHECK_FALSE(ban_group(key("192.0.2.1"), cfg));

  RangeBans bans;
  CHECK_FALSE(note_member_ban(bans, key("2001:db8:1:1::"), kNow + kHour, cfg, kNow));
  CHECK_FALSE(note_member_ban(bans, key("2001:db8:1:2::"), kNow + 10 + kHour, cfg, kNow + 10));
  // The same /64 banned again is still one member.
  CHECK_FALSE(note_member_ban(bans, key("2001:db8:1:2::"), kNow + 20 + kHour, cfg, kNow + 20));
  // A /64 of another /48 is no member of this one.
  CHECK_FALSE(note_member_ban(bans, key("2001:db8:2:1::"), kNow + 30 + kHour, cfg, kNow + 30));
  CHECK_FALSE(note_member_ban(bans, key("2001:db8:1:3::"), kNow + 40 + kHour, cfg, kNow + 40));
  CHECK(bans.entries.empty());
  CHECK(bans.members.size() == 4);
  // The fourth /64 of 2001:db8:1::/48 bans the /48 until the last ends.
  std::optional<RangeBan> group =
      note_member_ban(bans, key("2001:db8:1:4::"), kNow + 50 + 2 * kHour, cfg, kNow + 50);
  REQUIRE(group);
  CHECK(group->prefix == parse_prefix("2001:db8:1::/48"));
  CHECK(group->since == kNow + 50);
  CHECK(group->until == kNow + 50 + 2 * kHour);
  CHECK(group->group_members == 4);
  REQUIRE(bans.entries.size() == 1);
  CHECK(bans.find(parse_ip("2001:db8:1:ffff::1"), kNow + 50 + 2 * kHour - 1));
  CHECK_FALSE(bans.find(parse_ip("2001:db8:1:ffff::1"), kNow + 50 + 2 * kHour));
  CHECK_FALSE(bans.find(parse_ip("2001:db8:2:1::1"), kNow + 60));

  // A fifth member extends it; members that ran out are forgotten.
  group = note_member_ban(bans, key("2001:db8:1:5::"), kNow + 3 * kHour, cfg, kNow + kHour);
  REQUIRE(group);
  CHECK(group->since == kNow + 50);
  CHECK(group->until == kNow + 3 * kHour);
  // At kNow + 1h the first member (until kNow + 1h) has run out: 4 remain.
  CHECK(group->group_members == 4);
  CHECK(bans.entries.size() == 1);

  // Only three in force at once never ban: the first ran out at its second.
  RangeBans slow;
  CHECK_FALSE(note_member_ban(slow, key("2001:db8:3:1::"), kNow + kHour, cfg, kNow));
  CHECK_FALSE(note_member_ban(slow, key("2001:db8:3:2::"), kNow + 2 * kHour, cfg, kNow + 1));
  CHECK_FALSE(note_member_ban(slow, key("2001:db8:3:3::"), kNow + 2 * kHour, cfg, kNow + 2));
  CHECK_FALSE(note_member_ban(slow, key("2001:db8:3:4::"), kNow + 3 * kHour, cfg, kNow + kHour));
  CHECK(note_member_ban(slow, key("2001:db8:3:5::"), kNow + 3 * kHour, cfg, kNow + kHour));

  // ban.ipv6_group_bans = 1: the second /64 bans the group.
  cfg.ban.ipv6_group_bans = 1;
  RangeBans strict;
  CHECK_FALSE(note_member_ban(strict, key("2001:db8:4:1::"), kNow + kHour, cfg, kNow));
  CHECK(note_member_ban(strict, key("2001:db8:4:2::"), kNow + kHour, cfg, kNow));

  // Expire forgets the members that ran out.
  CHECK(expire_member_bans(bans, kNow + 3 * kHour) == bans.members.size());
  CHECK(bans.members.empty());
}

TEST_CASE("bans: member and group bans stay bounded") {
  Config cfg;
  cfg.ban.ipv6_group_bans = 2;
  RangeBans bans;
  // Five /64s of one /48: only the 3 that end last are kept.
  for (int i = 1; i <= 5; ++i) {
    const Prefix member = parse_prefix("2001:db8:1:" + std::to_string(i) + "::/64");
    note_member_ban(bans, member, kNow + i * kHour, cfg, kNow);
  }
  CHECK(bans.members.size() == 3);
  CHECK(bans.members.front().until == kNow + 3 * kHour);
  REQUIRE(bans.entries.size() == 1);
  CHECK(bans.entries[0].until == kNow + 5 * kHour);
  CHECK(bans.entries[0].group_members == 3);

  // Many groups: never more than kMaxGroupBans group bans, kMaxMemberBans
  // members; the record holds them and reads back.
  RangeBans many;
  cfg.ban.ipv6_group_bans = 1;
  for (std::size_t g = 0; g < kMaxGroupBans + 10; ++g)
    for (int m = 1; m <= 2; ++m) {
      char text[64];
      std::snprintf(text, sizeof text, "2001:db8:%zx:%x::/64", g, m);
      note_member_ban(many, parse_prefix(text), kNow + kHour + static_cast<UnixTime>(g), cfg, kNow);
    }
  CHECK(many.entries.size() == kMaxGroupBans);
  CHECK(many.members.size() == kMaxMemberBans);
  // The ones kept end last.
  CHECK(many.entries.front().until == kNow + kHour + 10);
  StoreRules rules;
  rules.range_bans = many;
  const std::string text = to_json(rules).dump();
  CHECK(text.size() < 512 * 1024);
  CHECK(to_json(store_rules_from_json(nlohmann::json::parse(text))) == to_json(rules));
}
