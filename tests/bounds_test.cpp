// SPEC §2 (bounds): every time provlock stores is one it can read back, and
// every configured count has a maximum that the records are proven to hold.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "lib/bans.hpp"
#include "lib/config.hpp"
#include "lib/policy.hpp"
#include "lib/record_text.hpp"
#include "lib/records.hpp"
#include "lib/timefmt.hpp"

using namespace provlock;

namespace {

// The times a command may write, as it computes them: `now` (the clock or
// --now) plus a length (a flag, a config key, an escalated ban).
const UnixTime kEdges[] = {kEarliestTime, 1, parse_time("2026-11-26T12:00:00Z"),
                           kLatestTime - 604800, kLatestTime - 1, kLatestTime};

Device device_with_every_time(UnixTime t) {
  Device d;
  d.mac = parse_mac("001122aabbcc");
  d.registered = t;
  d.bound_ip = parse_ip("192.0.2.10");
  d.bound_at = d.first_provisioned = d.unlock_until = d.blocked_at = d.last_seen = t;
  d.blocked = true;
  d.foreign = {ForeignFetch{t, parse_ip("198.51.100.7")}};
  d.last_ip = parse_ip("2001:db8::1");
  return d;
}

void check_reads_back(UnixTime t) {
  CAPTURE(format_time(t));
  REQUIRE(parse_time(format_time(t)) == t);

  const Device d = device_with_every_time(t);
  CHECK(to_json(device_from_json(to_json(d))) == to_json(d));
  const auto direct = device_from_record_text(device_record_text(d));
  REQUIRE(direct);
  CHECK(to_json(*direct) == to_json(d));

  AddressRecord a;
  a.prefix = parse_prefix("198.51.100.7/32");
  a.attempts = a.self_unbans = {t};
  a.banned_since = a.banned_until = a.last_allowed = t;
  a.last_activity = t;
  a.reason = "auto";
  CHECK(to_json(address_from_json(to_json(a))) == to_json(a));

  Window w;
  w.prefix = parse_prefix("192.0.2.99");
  w.opened = w.until = t;
  CHECK(to_json(window_from_json(to_json(w))) == to_json(w));

  StoreRules rules;
  UnlockAll u;
  u.id = 7;
  u.at = t;
  u.until = t;
  rules.unlock_alls.last_id = 7;
  rules.unlock_alls.entries.push_back(u);
  rules.range_bans.entries.push_back({parse_prefix("198.51.100.0/24"), t, t});
  CHECK(to_json(store_rules_from_json(to_json(rules))) == to_json(rules));
}

}  // namespace

TEST_CASE("bounds: time_after refuses exactly the ends past 9999-12-31T23:59:59Z") {
  CHECK(time_after(0, kLatestTime) == kLatestTime);
  CHECK_FALSE(time_after(0, kLatestTime + 1));
  CHECK(time_after(kLatestTime, 0) == kLatestTime);
  CHECK_FALSE(time_after(kLatestTime, 1));
  CHECK_FALSE(time_after(kLatestTime, INT64_MAX));
  CHECK_FALSE(time_after(0, -1));
  CHECK_THROWS_AS(end_of(kLatestTime - 10, 11, Exit::usage, "--for 11s"), Error);
  try {
    end_of(kLatestTime - 10, 11, Exit::config, "lock.unlock_for 11s");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::config);
    CHECK(std::string(e.what()).find("lock.unlock_for 11s") != std::string::npos);
    CHECK(std::string(e.what()).find("9999-12-31T23:59:59Z") != std::string::npos);
  }
}

// The property: whatever `now` and length a command is given, the time it
// would store is either refused before writing or read back as written.
TEST_CASE("bounds: every time a command can compute is refused or reads back") {
  for (UnixTime t : kEdges) check_reads_back(t);
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<UnixTime> any_now(kEarliestTime, kLatestTime);
  std::uniform_int_distribution<int> bits(0, 62);
  for (int i = 0; i < 20000; ++i) {
    const UnixTime now = any_now(rng);
    const std::int64_t length =
        static_cast<std::int64_t>(rng() & ((std::uint64_t{1} << bits(rng)) - 1));
    const auto end = time_after(now, length);
    CAPTURE(now);
    CAPTURE(length);
    REQUIRE(end.has_value() == (length <= kLatestTime - now));
    if (end && i % 20 == 0) check_reads_back(*end);
    if (end) REQUIRE(parse_time(format_time(*end)) == *end);
  }
}

TEST_CASE("bounds: an automatic ban that would outlast year 9999 ends at its last second") {
  Config cfg;
  cfg.ban.max_attempts = 1;
  cfg.ban.ban_time = cfg.ban.max_ban_time = kMaxConfigDuration;
  AddressRecord a;
  a.prefix = ban_key(parse_ip("198.51.100.7"), cfg);
  const UnixTime now = kLatestTime - 3600;
  CHECK_FALSE(count_fetch(a, cfg, now));
  CHECK(count_fetch(a, cfg, now + 1));
  CHECK(a.banned_until == kLatestTime);
  CHECK(to_json(address_from_json(to_json(a))) == to_json(a));
}

// SPEC §2: a record at each configured count's maximum holds and reads back,
// far below the store's 1 MiB record limit.
TEST_CASE("bounds: records at the maximum of every configured count") {
  Config cfg;
  cfg.ban.max_attempts = cfg.suspicious.max_foreign = cfg.ban.self_unban_max = kMaxCount;
  cfg.ban.count = BanCount::all;
  const UnixTime start = parse_time("2026-11-26T12:00:00Z");

  SUBCASE("ban.max_attempts: the 1001st counted fetch bans") {
    AddressRecord a;
    a.prefix = ban_key(parse_ip("192.0.2.10"), cfg);
    for (int i = 0; i < kMaxCount; ++i) REQUIRE_FALSE(count_fetch(a, cfg, start + i));
    CHECK(a.attempts.size() == static_cast<std::size_t>(kMaxCount));
    a.self_unbans.assign(kMaxCount, start);
    const std::string text = to_json(a).dump();
    CHECK(text.size() < 64 * 1024);
    CHECK(to_json(address_from_json(nlohmann::json::parse(text))) == to_json(a));
    CHECK(count_fetch(a, cfg, start + kMaxCount));
  }
  SUBCASE("suspicious.max_foreign: blocked after 1001 foreign fetches, record holds") {
    Device d = device_with_every_time(start);
    d.blocked = false;
    d.blocked_at.reset();
    d.unlock_until.reset();
    d.foreign.clear();
    d.registered = start - 86400;
    FetchRecords records;
    Decision decision;
    for (int i = 0; i <= kMaxCount; ++i) {
      records.device = &d;
      // Each from another address: repeats from one address never block.
      const std::string ip =
          "198.51." + std::to_string(100 + i / 250) + "." + std::to_string(1 + i % 250);
      decision = decide(Fetch{d.mac, parse_ip(ip), {}}, records, cfg, start + i);
      REQUIRE(decision.reason == "locked");
      d = *decision.device;
      REQUIRE(d.blocked == (i == kMaxCount));
    }
    CHECK(d.foreign.size() == static_cast<std::size_t>(kMaxCount) + 1);
    const std::string text = device_record_text(d);
    CHECK(text.size() < 64 * 1024);
    const auto back = device_from_record_text(text);
    REQUIRE(back);
    CHECK(to_json(*back) == to_json(d));
  }
}
