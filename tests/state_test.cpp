// SPEC §3: the device states, derived from a record, the unlock-alls and `now`.
#include "lib/state.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "lib/ip.hpp"
#include "lib/mac.hpp"
#include "lib/timefmt.hpp"

using namespace provlock;

namespace {

const UnixTime kNow = parse_time("2026-11-26T12:00:00Z");
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kWeek = 7 * kDay;

Device device(UnixTime registered = kNow - kDay) {
  Device d;
  d.mac = parse_mac("001122aabbcc");
  d.registered = registered;
  return d;
}

Device bound(Device d) {
  d.bound_ip = parse_ip("192.0.2.10");
  d.bound_at = d.registered;
  d.first_provisioned = d.registered;
  return d;
}

Device with_unlock(Device d, UnixTime until) {
  d.unlock_until = until;
  return d;
}

Device blocked(Device d) {
  d.blocked = true;
  d.blocked_at = kNow - kHour;
  return d;
}

Device in_account(Device d, const std::string& account) {
  d.account = account;
  return d;
}

Device seen(Device d, std::uint64_t id) {
  d.unlock_all_seen = id;
  return d;
}

UnlockAllSet unlock_alls(std::vector<UnlockAll> entries) {
  UnlockAllSet s;
  for (const UnlockAll& u : entries) s.last_id = std::max(s.last_id, u.id);
  s.entries = std::move(entries);
  return s;
}

// The scope of `--account` left out.
const AccountScope kAllAccounts = std::nullopt;

UnlockAll ua(std::uint64_t id, const AccountScope& account = kAllAccounts,
             std::optional<UnixTime> until = std::nullopt) {
  return UnlockAll{id, kNow - kHour, account, until};
}

}  // namespace

TEST_CASE("state: names round trip and nothing else parses") {
  for (State s : {State::fresh, State::locked, State::stale, State::unlocked, State::blocked}) {
    CAPTURE(state_name(s));
    REQUIRE(state_from_name(state_name(s)).has_value());
    CHECK(*state_from_name(state_name(s)) == s);
  }
  CHECK(std::string(state_name(State::fresh)) == "new");
  CHECK(std::string(state_name(State::locked)) == "locked");
  CHECK(std::string(state_name(State::stale)) == "stale");
  CHECK(std::string(state_name(State::unlocked)) == "unlocked");
  CHECK(std::string(state_name(State::blocked)) == "blocked");

  for (const char* bad : {"", "fresh", "New", "LOCKED", "locked ", " new", "unlock", "ban"}) {
    CAPTURE(bad);
    CHECK_FALSE(state_from_name(bad).has_value());
  }
}

TEST_CASE("state: state_of for every state and its edges") {
  struct Row {
    const char* name;
    Device device;
    UnlockAllSet unlock_alls;
    std::int64_t stale_after;
    State expect;
  };
  const Row rows[] = {
      {"registered now", device(kNow), {}, kWeek, State::fresh},
      {"registered 7d minus 1s ago", device(kNow - kWeek + 1), {}, kWeek, State::fresh},
      {"registered exactly 7d ago", device(kNow - kWeek), {}, kWeek, State::fresh},
      {"registered 7d and 1s ago", device(kNow - kWeek - 1), {}, kWeek, State::stale},
      {"stale_after 1d, exactly 1d", device(kNow - kDay), {}, kDay, State::fresh},
      {"stale_after 1d, 1d and 1s", device(kNow - kDay - 1), {}, kDay, State::stale},
      {"bound long ago is locked, never stale",
       bound(device(kNow - 365 * kDay)),
       {},
       kWeek,
       State::locked},
      {"blocked", blocked(bound(device())), {}, kWeek, State::blocked},
      {"explicit unlock", with_unlock(bound(device()), kNow + 1), {}, kWeek, State::unlocked},
      {"explicit unlock ending now", with_unlock(bound(device()), kNow), {}, kWeek, State::locked},
      {"explicit unlock of a stale device",
       with_unlock(device(kNow - 30 * kDay), kNow + 1),
       {},
       kWeek,
       State::unlocked},
      {"expired unlock of a stale device",
       with_unlock(device(kNow - 30 * kDay), kNow - 1),
       {},
       kWeek,
       State::stale},
      {"expired unlock of a new device", with_unlock(device(), kNow - 1), {}, kWeek, State::fresh},
      {"forced unlock of a blocked device",
       with_unlock(blocked(bound(device())), kNow + 1),
       {},
       kWeek,
       State::unlocked},
      {"expired forced unlock of a blocked device",
       with_unlock(blocked(bound(device())), kNow),
       {},
       kWeek,
       State::blocked},
      {"unlock-all", bound(device()), unlock_alls({ua(1)}), kWeek, State::unlocked},
      {"unlock-all of a blocked device", blocked(bound(device())), unlock_alls({ua(1)}), kWeek,
       State::blocked},
      {"unlock-all given before the device", seen(bound(device()), 1), unlock_alls({ua(1)}), kWeek,
       State::locked},
      {"unlock-all of another account", in_account(bound(device()), "b"), unlock_alls({ua(1, "a")}),
       kWeek, State::locked},
      {"unlock-all of its account", in_account(bound(device()), "a"), unlock_alls({ua(1, "a")}),
       kWeek, State::unlocked},
      // SPEC §6: --account "" is the devices without an account, never all.
      {"unlock-all of no account, device in an account", in_account(bound(device()), "a"),
       unlock_alls({ua(1, "")}), kWeek, State::locked},
      {"unlock-all of no account, device in none", bound(device()), unlock_alls({ua(1, "")}), kWeek,
       State::unlocked},
      {"unlock-all of every account, device in none", bound(device()),
       unlock_alls({ua(1, kAllAccounts)}), kWeek, State::unlocked},
      {"unlock-all until now", bound(device()), unlock_alls({ua(1, kAllAccounts, kNow)}), kWeek,
       State::locked},
      {"unlock-all until now + 1s", bound(device()), unlock_alls({ua(1, kAllAccounts, kNow + 1)}),
       kWeek, State::unlocked},
      {"expired unlock-all of a stale device", device(kNow - 30 * kDay),
       unlock_alls({ua(1, kAllAccounts, kNow - 1)}), kWeek, State::stale},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Config cfg;
    cfg.lock.stale_after = r.stale_after;
    CHECK(state_name(state_of(r.device, r.unlock_alls, cfg, kNow)) ==
          std::string(state_name(r.expect)));
  }
}

TEST_CASE("state: active_unlock") {
  SUBCASE("none") {
    CHECK_FALSE(active_unlock(bound(device()), {}, kNow).has_value());
  }
  SUBCASE("explicit, with its until") {
    auto a = active_unlock(with_unlock(bound(device()), kNow + kDay), {}, kNow);
    REQUIRE(a);
    CHECK(a->explicit_unlock);
    CHECK(a->until == kNow + kDay);
  }
  SUBCASE("explicit wins over unlock-all") {
    auto a = active_unlock(with_unlock(bound(device()), kNow + kDay), unlock_alls({ua(1)}), kNow);
    REQUIRE(a);
    CHECK(a->explicit_unlock);
    CHECK(a->until == kNow + kDay);
  }
  SUBCASE("an expired explicit unlock leaves the unlock-all") {
    auto a = active_unlock(with_unlock(bound(device()), kNow), unlock_alls({ua(1)}), kNow);
    REQUIRE(a);
    CHECK_FALSE(a->explicit_unlock);
    CHECK_FALSE(a->until.has_value());
  }
  SUBCASE("unlock-all until the next fetch beats one with a time") {
    auto a = active_unlock(bound(device()), unlock_alls({ua(1, kAllAccounts, kNow + kHour), ua(2)}),
                           kNow);
    REQUIRE(a);
    CHECK_FALSE(a->explicit_unlock);
    CHECK_FALSE(a->until.has_value());
  }
  SUBCASE("the later of two timed unlock-alls") {
    auto a = active_unlock(
        bound(device()),
        unlock_alls({ua(1, kAllAccounts, kNow + 2 * kHour), ua(2, kAllAccounts, kNow + kHour)}),
        kNow);
    REQUIRE(a);
    CHECK(a->until == kNow + 2 * kHour);
  }
  SUBCASE("only the unlock-alls that apply count") {
    auto a = active_unlock(seen(in_account(bound(device()), "a"), 1),
                           unlock_alls({ua(1), ua(2, "b"), ua(3, "a", kNow + kHour)}), kNow);
    REQUIRE(a);
    CHECK(a->until == kNow + kHour);
  }
  SUBCASE("a blocked device: explicit only") {
    CHECK_FALSE(active_unlock(blocked(bound(device())), unlock_alls({ua(1)}), kNow).has_value());
    auto a = active_unlock(with_unlock(blocked(bound(device())), kNow + 1), {}, kNow);
    REQUIRE(a);
    CHECK(a->explicit_unlock);
  }
}

TEST_CASE("state: unlock_all_applies") {
  Device d = seen(in_account(bound(device()), "a"), 5);
  CHECK(unlock_all_applies(ua(6), d, kNow));
  CHECK_FALSE(unlock_all_applies(ua(5), d, kNow));
  CHECK_FALSE(unlock_all_applies(ua(4), d, kNow));
  CHECK(unlock_all_applies(ua(6, "a"), d, kNow));
  CHECK_FALSE(unlock_all_applies(ua(6, "b"), d, kNow));
  // "" is the devices without an account, not every account.
  CHECK_FALSE(unlock_all_applies(ua(6, ""), d, kNow));
  CHECK(unlock_all_applies(ua(6, ""), in_account(d, ""), kNow));
  CHECK(unlock_all_applies(ua(6, kAllAccounts), in_account(d, ""), kNow));
  CHECK(unlock_all_applies(ua(6, kAllAccounts, kNow + 1), d, kNow));
  CHECK_FALSE(unlock_all_applies(ua(6, kAllAccounts, kNow), d, kNow));
  CHECK_FALSE(unlock_all_applies(ua(6, kAllAccounts, kNow - 1), d, kNow));
}

TEST_CASE("state: an explicit unlock is in force up to the second before its until") {
  const Device d = with_unlock(bound(device()), kNow + kHour);
  CHECK(active_unlock(d, {}, kNow + kHour - 1).has_value());
  CHECK(state_of(d, {}, Config{}, kNow + kHour - 1) == State::unlocked);
  CHECK_FALSE(active_unlock(d, {}, kNow + kHour).has_value());
  CHECK(state_of(d, {}, Config{}, kNow + kHour) == State::locked);
}

TEST_CASE("state: unlock of a blocked device needs --force, of any other it does not") {
  const Device locked = bound(device());
  CHECK_FALSE(unlock_refusal(locked, false).has_value());
  CHECK_FALSE(unlock_refusal(locked, true).has_value());
  const Device held = blocked(locked);
  CHECK_FALSE(unlock_refusal(held, true).has_value());
  const std::optional<Error> refused = unlock_refusal(held, false);
  REQUIRE(refused.has_value());
  CHECK(refused->code() == Exit::no_perm);
  CHECK(std::string(refused->what()).find("001122aabbcc") != std::string::npos);
  CHECK(std::string(refused->what()).find("--force") != std::string::npos);
}

TEST_CASE("state: a device added after unlock-alls is not caught by them, by later ones it is") {
  const UnlockAllSet given = unlock_alls({ua(3), ua(4, kAllAccounts, kNow + kHour)});
  const Device d = new_device(parse_mac("00:11:22:aa:bb:cc"),
                              Registration{"acme", "desk 4", "desk-4"}, kNow, given);
  CHECK(d.mac.str() == "001122aabbcc");
  CHECK(d.account == "acme");
  CHECK(d.label == "desk 4");
  CHECK(d.user == "desk-4");
  CHECK(d.registered == kNow);
  CHECK(d.unlock_all_seen == 4);
  CHECK_FALSE(d.bound_ip.has_value());
  CHECK(state_of(d, given, Config{}, kNow) == State::fresh);
  CHECK_FALSE(active_unlock(d, given, kNow).has_value());
  CHECK(unlock_all_applies(ua(5), d, kNow));
  // With no unlock-all ever given, every later one reaches it.
  CHECK(new_device(d.mac, Registration{}, kNow, UnlockAllSet{}).unlock_all_seen == 0);
}
