// What `expire` ends (SPEC §9), one record at a time, to the second: every
// limit is in force at until - 1 and has run out at until.
#include "lib/expiry.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "lib/bans.hpp"
#include "lib/ip.hpp"
#include "lib/mac.hpp"
#include "lib/policy.hpp"
#include "lib/state.hpp"
#include "lib/timefmt.hpp"

using namespace provlock;

namespace {

const UnixTime kNow = parse_time("2026-11-26T12:00:00Z");
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWeek = 7 * kDay;

Device device(const std::string& account = "", std::uint64_t seen = 0) {
  Device d;
  d.mac = parse_mac("001122aabbcc");
  d.account = account;
  d.registered = kNow - kDay;
  d.unlock_all_seen = seen;
  return d;
}

UnlockAll unlock_all(std::uint64_t id, const AccountScope& account = std::nullopt,
                     std::optional<UnixTime> until = std::nullopt) {
  return UnlockAll{id, kNow - kHour, account, until};
}

AddressRecord address(const char* ip = "198.51.100.7") {
  AddressRecord a;
  a.prefix = ban_key(parse_ip(ip), Config{});
  return a;
}

// An address banned by provlock from `since` for `length`, last active then.
AddressRecord banned(UnixTime since, std::int64_t length) {
  AddressRecord a = address();
  impose_ban(a, Config{}, since, length, "auto");
  return a;
}

Window window(UnixTime opened, UnixTime until, const char* ip = "198.51.100.2") {
  Window w;
  w.prefix = parse_prefix(ip);
  w.opened = opened;
  w.until = until;
  return w;
}

}  // namespace

// Each record's "in force" question (asked by check) and its "ran out"
// question (asked by expire) must split every second between them: never
// both, never neither, above all at until - 1 and until.
TEST_CASE("expiry: in force and ran out never agree, at any second around the edge") {
  const UnixTime until = kNow + kHour;
  Device unlocked = device();
  unlocked.unlock_until = until;
  const UnlockAll timed = unlock_all(1, std::nullopt, until);
  const RangeBans ranges{{RangeBan{parse_prefix("198.51.100.0/24"), kNow, until}}};
  const AddressRecord ban = banned(kNow, kHour);
  REQUIRE(ban.banned_until == until);
  const Window w = window(kNow, until);
  for (UnixTime t : {until - 2, until - 1, until, until + 1}) {
    CAPTURE(t - until);
    const bool over = t >= until;
    CHECK(unlock_ran_out(unlocked, t) == over);
    CHECK(active_unlock(unlocked, UnlockAllSet{}, t).has_value() == !over);
    CHECK(unlock_all_ran_out(timed, t) == over);
    CHECK(unlock_all_applies(timed, device(), t) == !over);
    CHECK(range_ban_ran_out(ranges.entries[0], t) == over);
    CHECK((ranges.find(parse_ip("198.51.100.9"), t) != nullptr) == !over);
    CHECK(ban_ran_out(ban, t) == over);
    CHECK(ban.banned_at(t) == !over);
    CHECK(window_ran_out(w, t) == over);
    CHECK(window_open(w, t) == !over);
  }
}

TEST_CASE("expiry: an explicit unlock that ran out unused is cleared at its second") {
  Device d = device();
  CHECK_FALSE(unlock_ran_out(d, kNow));  // no unlock: nothing to run out
  CHECK_FALSE(expire_unlock(d, kNow));

  d.unlock_until = kNow + kHour;
  Device before_edge = d;
  CHECK_FALSE(expire_unlock(before_edge, kNow + kHour - 1));
  CHECK(before_edge.unlock_until == kNow + kHour);

  CHECK(expire_unlock(d, kNow + kHour));
  CHECK_FALSE(d.unlock_until.has_value());
  CHECK_FALSE(expire_unlock(d, kNow + kHour));  // once only
}

TEST_CASE("expiry: an unlock-all without --hours never runs out, one with it at its second") {
  CHECK_FALSE(unlock_all_ran_out(unlock_all(1), kLatestTime));
  const UnlockAll timed = unlock_all(1, std::nullopt, kNow + 2 * kHour);
  CHECK_FALSE(unlock_all_ran_out(timed, kNow + 2 * kHour - 1));
  CHECK(unlock_all_ran_out(timed, kNow + 2 * kHour));
}

TEST_CASE("expiry: which unlock-alls a device can still use") {
  const UnlockAllSet given{
      3, {unlock_all(1), unlock_all(2, "acme"), unlock_all(3, std::nullopt, kNow + kHour)}};
  UnlockAllUse use;
  use.given_up_to = given.last_id;
  // Added after 1, in another account than 2's: only 3 is still of use to it,
  // and only until 3 runs out.
  note_unlock_all_use(use, device("other", 1), given, kNow + kHour - 1);
  CHECK(use.in_use == std::set<std::uint64_t>{3});
  UnlockAllUse later;
  note_unlock_all_use(later, device("other", 1), given, kNow + kHour);
  CHECK(later.in_use.empty());
  // A device of acme that has used up nothing yet can use all three.
  note_unlock_all_use(use, device("acme", 0), given, kNow);
  CHECK(use.in_use == std::set<std::uint64_t>{1, 2, 3});
}

TEST_CASE("expiry: an unlock-all is over once it ran out or no device can use it") {
  UnlockAllUse use;
  use.given_up_to = 5;
  use.in_use = {4};
  CHECK_FALSE(unlock_all_over(unlock_all(4), use, kNow));  // a device can still use it
  CHECK(unlock_all_over(unlock_all(5), use, kNow));        // every device in scope fetched
  // Given after the scan began: the scan could not tell whether it is used.
  CHECK_FALSE(unlock_all_over(unlock_all(6), use, kNow));
  // A device could not be read: it might use any of them.
  use.every_device_read = false;
  CHECK_FALSE(unlock_all_over(unlock_all(5), use, kNow));
  // One that ran out is over whatever the scan found.
  const UnlockAll timed = unlock_all(4, std::nullopt, kNow);
  CHECK(unlock_all_over(timed, use, kNow));
  CHECK_FALSE(unlock_all_over(timed, use, kNow - 1));
}

TEST_CASE("expiry: expire_unlock_alls removes the ones over and keeps last_id") {
  UnlockAllSet set{7, {unlock_all(5), unlock_all(6, std::nullopt, kNow + kHour), unlock_all(7)}};
  UnlockAllUse use;
  use.given_up_to = 7;
  use.in_use = {6, 7};
  CHECK(expire_unlock_alls(set, use, kNow + kHour - 1) == 1);  // 5: nobody can use it
  REQUIRE(set.entries.size() == 2);
  CHECK(set.entries[0].id == 6);
  CHECK(expire_unlock_alls(set, use, kNow + kHour) == 1);  // 6: ran out
  REQUIRE(set.entries.size() == 1);
  CHECK(set.entries[0].id == 7);
  CHECK(set.last_id == 7);
  CHECK(expire_unlock_alls(set, use, kNow + kHour) == 0);
}

TEST_CASE("expiry: range bans are removed at their second") {
  RangeBans bans{{RangeBan{parse_prefix("192.0.2.0/24"), kNow, kNow + kHour},
                  RangeBan{parse_prefix("198.51.100.0/24"), kNow, kNow + kDay}}};
  CHECK(expire_range_bans(bans, kNow + kHour - 1) == 0);
  CHECK(expire_range_bans(bans, kNow + kHour) == 1);
  REQUIRE(bans.entries.size() == 1);
  CHECK(bans.entries[0].prefix.str() == "198.51.100.0/24");
  CHECK(expire_range_bans(bans, kNow + kDay) == 1);
  CHECK(bans.entries.empty());
}

TEST_CASE("expiry: an address is forgotten exactly ban.max_ban_time after it went quiet") {
  Config cfg;
  REQUIRE(cfg.ban.max_ban_time == kWeek);
  AddressRecord a = address();
  a.last_activity = kNow;
  a.times_banned = 2;
  CHECK_FALSE(address_forgotten(a, cfg, kNow + kWeek - 1));
  CHECK(address_forgotten(a, cfg, kNow + kWeek));
  // The config decides how long: a day here.
  cfg.ban.max_ban_time = kDay;
  CHECK_FALSE(address_forgotten(a, cfg, kNow + kDay - 1));
  CHECK(address_forgotten(a, cfg, kNow + kDay));
  // A ban keeps it, in force or run out but not lifted yet.
  a.banned_until = kNow + 2 * kDay;
  CHECK_FALSE(address_forgotten(a, cfg, kNow + kDay));
  CHECK_FALSE(address_forgotten(a, cfg, kNow + kWeek));
}

TEST_CASE("expiry: a ban that ran out is lifted and remembered; a quiet address forgotten") {
  const Config cfg;
  SUBCASE("one second before its end nothing changes") {
    AddressRecord a = banned(kNow, kHour);
    const AddressRecord before = a;
    const AddressExpiry done = expire_address(a, cfg, kNow + kHour - 1);
    CHECK_FALSE(done.changed());
    CHECK(a.banned_until == before.banned_until);
  }
  SUBCASE("at its end it is lifted, and the next ban escalates") {
    AddressRecord a = banned(kNow, kHour);
    const AddressExpiry done = expire_address(a, cfg, kNow + kHour);
    CHECK(done.ban_lifted);
    CHECK_FALSE(done.forgotten);
    CHECK(done.changed());
    CHECK_FALSE(a.banned_until.has_value());
    CHECK_FALSE(a.banned_at(kNow + kHour));
    CHECK(a.times_banned == 1);
    CHECK(next_ban_length(a, cfg) == 2 * kHour);
  }
  SUBCASE("lifted and forgotten in one run when it has been quiet long enough") {
    AddressRecord a = banned(kNow, kHour);
    const AddressExpiry done = expire_address(a, cfg, kNow + kWeek);
    CHECK(done.ban_lifted);
    CHECK(done.forgotten);
  }
  SUBCASE("an address never banned is forgotten at max_ban_time, not before") {
    AddressRecord a = address();
    a.last_activity = kNow;
    a.attempts = {kNow};
    CHECK_FALSE(expire_address(a, cfg, kNow + kWeek - 1).forgotten);
    CHECK(expire_address(a, cfg, kNow + kWeek).forgotten);
  }
}

TEST_CASE("expiry: counted fetches exactly ban.find_time old are dropped, younger ones kept") {
  const Config cfg;
  REQUIRE(cfg.ban.find_time == kHour);
  AddressRecord a = address();
  a.last_activity = kNow;
  a.attempts = {kNow - kHour - 1, kNow - kHour, kNow - kHour + 1, kNow};
  const AddressExpiry done = expire_address(a, cfg, kNow);
  CHECK(done.old_attempts == 2);
  CHECK_FALSE(done.ban_lifted);
  CHECK_FALSE(done.forgotten);
  CHECK(done.changed());
  CHECK(a.attempts == std::vector<UnixTime>{kNow - kHour + 1, kNow});
  CHECK_FALSE(expire_address(a, cfg, kNow).changed());
}

TEST_CASE("expiry: a window runs out at its second; one opened later has not run out") {
  const Window w = window(kNow, kNow + kHour);
  CHECK_FALSE(window_ran_out(w, kNow + kHour - 1));
  CHECK(window_ran_out(w, kNow + kHour));
  // Opened after `now` (a replay with --now): neither open nor run out, so
  // that expire keeps it and `window close` still closes it.
  const Window ahead = window(kNow + kHour, kNow + 2 * kHour);
  CHECK_FALSE(window_open(ahead, kNow));
  CHECK_FALSE(window_ran_out(ahead, kNow));
}
