// The use cases (ops/) run end to end on an in-memory store: what they load,
// decide, write and journal, to the second, without a directory.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>

#include "lib/bans.hpp"
#include "lib/window.hpp"
#include "ops/ban.hpp"
#include "ops/check.hpp"
#include "ops/config_request.hpp"
#include "ops/devices.hpp"
#include "ops/expire.hpp"
#include "ops/self_unban.hpp"
#include "ops/unlock.hpp"
#include "ops/window.hpp"
#include "store/records_io.hpp"
#include "tests/memory_store.hpp"

using namespace provlock;

namespace {

const UnixTime kNow = parse_time("2026-11-26T12:00:00Z");
const Mac kPhone = parse_mac("001122aabbcc");

// A session on a fresh in-memory store, with one registered phone.
struct Fixture {
  ops::Session s;
  test::MemoryStore* mem = nullptr;

  Fixture() {
    auto store = std::make_unique<test::MemoryStore>();
    mem = store.get();
    s.store = std::move(store);
    s.now = kNow;
    s.who = store::Json{{"user", "test"}};
    Device d;
    d.mac = kPhone;
    d.registered = kNow - 3600;
    s.store->create_all(store::Kind::device, {{kPhone.str(), to_json(d)}}, [](std::size_t) {});
    mem->writes = 0;
  }

  ops::FetchResult fetch(const char* mac, const char* ip, bool dry_run = false) {
    return ops::judge_fetch(s, Fetch{parse_mac(mac), parse_ip(ip), {}}, dry_run);
  }
  Device phone() { return *store::load_record<Device>(*s.store, kPhone.str()); }
};

}  // namespace

TEST_CASE("ops::judge_fetch: binds, locks, counts and journals each decision") {
  Fixture f;
  auto first = f.fetch("001122aabbcc", "192.0.2.10");
  CHECK(first.allow);
  CHECK(first.reason == "first-provision");
  CHECK(f.phone().bound_ip == parse_ip("192.0.2.10"));
  CHECK(f.mem->journal.size() == 1);
  CHECK(f.mem->journal[0].second.find("\"reason\":\"first-provision\"") != std::string::npos);

  f.s.now += 60;
  auto away = f.fetch("001122aabbcc", "198.51.100.7");
  CHECK_FALSE(away.allow);
  CHECK(away.reason == "locked");
  const Device d = f.phone();
  CHECK(d.allowed == 1);
  CHECK(d.denied == 1);
  CHECK(d.last_ip == parse_ip("198.51.100.7"));
  REQUIRE(d.foreign.size() == 1);
  CHECK(d.foreign[0] == ForeignFetch{kNow + 60, parse_ip("198.51.100.7")});
  CHECK(f.mem->journal.size() == 2);
}

TEST_CASE("ops::judge_fetch: a dry run decides as a real one and writes nothing") {
  Fixture f;
  auto dry = f.fetch("001122aabbcc", "192.0.2.10", true);
  CHECK(dry.reason == "first-provision");
  CHECK(f.mem->writes == 0);
  CHECK(f.mem->appended == 0);
  CHECK_FALSE(f.phone().bound_ip);
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
}

TEST_CASE("ops::judge_fetch: the scan that crosses ban.max_attempts bans from the next on") {
  Fixture f;
  for (int i = 1; i <= 20; ++i) {
    auto r = f.fetch("0011220000ff", "198.51.100.7");
    REQUIRE(r.reason == "unknown-device");
    REQUIRE_FALSE(r.newly_banned);
  }
  CHECK(f.fetch("0011220000ff", "198.51.100.7").newly_banned);
  CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "banned");
  // Another address is not affected.
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
}

TEST_CASE("ops::judge_fetch: an unreadable record is deny store-error and stays as it was") {
  Fixture f;
  const store::Kind kind = store::Kind::device;
  f.mem->records[{kind, kPhone.str()}] += std::string("\0garbage", 8);
  const std::string before = f.mem->records[{kind, kPhone.str()}];
  auto r = f.fetch("001122aabbcc", "192.0.2.10");
  CHECK_FALSE(r.allow);
  CHECK(r.reason == "store-error");
  REQUIRE(r.store_error);
  CHECK(r.store_error->code() == Exit::io);
  CHECK(f.mem->records[{kind, kPhone.str()}] == before);
}

TEST_CASE("ops::expire: an unlock that ran out unused; a dry run only counts it") {
  Fixture f;
  store::update_record<Device>(*f.s.store, kPhone.str(), [](std::optional<Device>& d) {
    d->unlock_until = kNow + 3600;
    return store::Write::durable;
  });
  f.mem->writes = 0;
  f.s.now = kNow + 3600;  // the second it runs out
  int unreadable = 0;
  auto count_bad = [&](const Error&) { ++unreadable; };

  const ops::ExpireCounts dry = ops::expire(f.s, true, count_bad);
  CHECK(dry.unlocks == 1);
  CHECK(f.mem->writes == 0);
  CHECK(f.mem->appended == 0);
  CHECK(f.phone().unlock_until == kNow + 3600);

  const ops::ExpireCounts done = ops::expire(f.s, false, count_bad);
  CHECK(done.unlocks == 1);
  CHECK_FALSE(f.phone().unlock_until);
  CHECK(f.mem->appended == 1);
  CHECK(ops::expire(f.s, false, count_bad).unlocks == 0);
  CHECK(unreadable == 0);
}

TEST_CASE("ops::self_unban: lifts provlock's own ban of a known address, never an operator's") {
  Fixture f;
  const Prefix key = ban_key(parse_ip("198.51.100.7"), f.s.config);
  for (const char* reason : {"manual", "auto"}) {
    CAPTURE(reason);
    store::update_record<AddressRecord>(*f.s.store, store::address_key(key),
                                        [&](std::optional<AddressRecord>& a) {
                                          a = AddressRecord{};
                                          a->prefix = key;
                                          a->last_allowed = kNow - kSecondsPerDay;
                                          impose_ban(*a, f.s.config, f.s.now, 3600, reason);
                                          return store::Write::durable;
                                        });
    const int writes = f.mem->writes;
    const ops::SelfUnbanResult r = ops::self_unban(f.s, parse_ip("198.51.100.7"));
    if (std::string(reason) == "manual") {
      CHECK(r.outcome == ops::SelfUnban::operator_ban);
      CHECK(f.mem->writes == writes);
    } else {
      CHECK(r.outcome == ops::SelfUnban::removed);
      CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "first-provision");
    }
  }
}

// SPEC §5: only a known address (a registered device was allowed from it
// within ban.self_unban_known) or a device's own identity lifts its ban.
TEST_CASE("ops::self_unban: a scanner cannot, a phone's address or identity can") {
  Fixture f;
  auto scan_until_banned = [&](const char* ip) {
    for (int i = 0; i <= f.s.config.ban.max_attempts; ++i)
      REQUIRE(f.fetch("0011220000ff", ip).reason == "unknown-device");
    REQUIRE(f.fetch("0011220000ff", ip).reason == "banned");
  };
  // A scanner that never provisioned anything.
  scan_until_banned("198.51.100.66");
  const int writes = f.mem->writes;
  ops::SelfUnbanResult r = ops::self_unban(f.s, parse_ip("198.51.100.66"));
  CHECK(r.outcome == ops::SelfUnban::unknown_address);
  CHECK(f.mem->writes == writes);
  CHECK(ops::self_unban_refusal(r, parse_ip("198.51.100.66"), f.s.config)
            .find("ban.self_unban_known") != std::string::npos);
  // A REMOTE_USER that is no registered device's MAC is no identity.
  CHECK(ops::self_unban(f.s, parse_ip("198.51.100.66"), parse_mac("0011220000ff")).outcome ==
        ops::SelfUnban::unknown_address);
  // A registered device's own identity lifts it.
  r = ops::self_unban(f.s, parse_ip("198.51.100.66"), kPhone);
  CHECK(r.outcome == ops::SelfUnban::removed);
  CHECK(f.mem->journal.back().second.find("\"identity\":\"001122aabbcc\"") != std::string::npos);

  // An office: its phone was allowed from it, then a misconfigured device
  // got it banned. Known for 30 days (less the day of slack) after that.
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
  const Prefix office = ban_key(parse_ip("192.0.2.10"), f.s.config);
  CHECK(store::load_record<AddressRecord>(*f.s.store, store::address_key(office))->last_allowed ==
        kNow);
  f.s.now = kNow + 29 * kSecondsPerDay;
  scan_until_banned("192.0.2.10");
  CHECK(ops::self_unban(f.s, parse_ip("192.0.2.10")).outcome == ops::SelfUnban::removed);
  f.s.now = kNow + 30 * kSecondsPerDay;
  scan_until_banned("192.0.2.10");
  CHECK(ops::self_unban(f.s, parse_ip("192.0.2.10")).outcome == ops::SelfUnban::unknown_address);
}

// An allowed fetch leaves its trace on its address at most once a day, as
// bookkeeping: the usual same-ip poll writes nothing but its device.
TEST_CASE("ops::judge_fetch: an allowed fetch marks its address known, once a day") {
  Fixture f;
  const Prefix key = ban_key(parse_ip("192.0.2.10"), f.s.config);
  auto address = [&] {
    return store::load_record<AddressRecord>(*f.s.store, store::address_key(key));
  };
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
  REQUIRE(address());
  CHECK(address()->last_allowed == kNow);
  CHECK(address()->attempts.empty());
  f.s.now = kNow + kSecondsPerDay - 1;
  int writes = f.mem->writes;
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "same-ip");
  CHECK(f.mem->writes == writes + 1);  // the device's last_seen only
  CHECK(address()->last_allowed == kNow);
  f.s.now = kNow + kSecondsPerDay;
  writes = f.mem->writes;
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "same-ip");
  CHECK(f.mem->writes == writes + 2);
  CHECK(address()->last_allowed == kNow + kSecondsPerDay);
  // Denials of a registered phone are no scans: they write no address record.
  const Prefix away = ban_key(parse_ip("198.51.100.7"), f.s.config);
  CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "locked");
  CHECK_FALSE(store::load_record<AddressRecord>(*f.s.store, store::address_key(away)));
}

// SPEC §5: the 25-phone office whose ISP changed its address: every phone is
// denied locked, the address is never banned, and a window lets them in.
TEST_CASE("ops::judge_fetch: an office whose address changed is not banned (ban.count)") {
  Fixture f;
  std::vector<std::pair<std::string, store::Json>> phones;
  std::vector<std::string> macs;
  for (int i = 1; i <= 25; ++i) {
    char mac[13];
    std::snprintf(mac, sizeof mac, "805ec00000%02x", i);
    Device d;
    d.mac = parse_mac(mac);
    d.registered = kNow - 3600;
    macs.push_back(mac);
    phones.push_back({mac, to_json(d)});
  }
  f.s.store->create_all(store::Kind::device, phones, [](std::size_t) {});
  for (const std::string& m : macs)
    REQUIRE(f.fetch(m.c_str(), "192.0.2.10").reason == "first-provision");
  f.s.now += 3600;
  for (const std::string& m : macs) {
    CAPTURE(m);
    CHECK(f.fetch(m.c_str(), "192.0.2.99").reason == "locked");
  }
  // With ban.count = "denied" the same office is banned at its 21st phone.
  f.s.config.ban.count = BanCount::denied;
  f.s.now += 60;
  for (int i = 0; i < 21; ++i) CHECK(f.fetch(macs[i].c_str(), "192.0.2.77").reason == "locked");
  CHECK(f.fetch(macs[21].c_str(), "192.0.2.77").reason == "banned");
}

// SPEC §5: more than ban.ipv6_group_bans (3) /64s of one /48 banned at once
// ban the whole /48 until the last of them ends.
TEST_CASE("ops: four banned /64s of one /48 ban the /48") {
  Fixture f;
  auto scan_until_banned = [&](const std::string& ip) {
    for (int i = 0; i <= f.s.config.ban.max_attempts; ++i)
      REQUIRE(f.fetch("0011220000ff", ip.c_str()).reason == "unknown-device");
  };
  for (int n = 1; n <= 3; ++n) scan_until_banned("2001:db8:1:" + std::to_string(n) + "::1");
  CHECK(load_rules(f.s).range_bans.entries.empty());
  CHECK(f.fetch("0011220000ff", "2001:db8:1:5::1").reason == "unknown-device");
  f.s.now += 10;
  scan_until_banned("2001:db8:1:4::1");
  // The fifth /64 is banned on its first request; another /48 is not.
  CHECK(f.fetch("001122aabbcc", "2001:db8:1:6::1").reason == "banned");
  CHECK(f.fetch("001122aabbcc", "2001:db8:2:1::1").reason == "first-provision");
  const std::vector<ops::BanInForce> bans = ops::bans_in_force(f.s, [](const Error&) { FAIL(""); });
  REQUIRE(bans.size() == 5);
  const ops::BanInForce& group = bans.back();
  CHECK(group.prefix == parse_prefix("2001:db8:1::/48"));
  CHECK(group.reason == "group");
  CHECK(group.group_members == 4);
  CHECK(group.until == kNow + 10 + 3600);  // the end of the last member's ban
  CHECK(std::count_if(f.mem->journal.begin(), f.mem->journal.end(), [](const auto& e) {
          return e.second.find("\"ip\":\"2001:db8:1::/48\"") != std::string::npos &&
                 e.second.find("\"reason\":\"group\"") != std::string::npos;
        }) == 1);
  // Not for a self-unban of one of its /64s.
  CHECK(ops::self_unban(f.s, parse_ip("2001:db8:1:6::1"), kPhone).outcome ==
        ops::SelfUnban::range_ban);

  // The operator lifts the /48: the members stay banned, the rest is free.
  CHECK(ops::remove_ban(f.s, ops::ban_target("2001:db8:1::/48", f.s.config)));
  CHECK(f.fetch("0011220000ff", "2001:db8:1:6::1").reason == "unknown-device");
  CHECK(f.fetch("0011220000ff", "2001:db8:1:1::1").reason == "banned");
  CHECK(load_rules(f.s).range_bans.members.empty());

  // Banned again, it ends with its last member, and expire removes it.
  f.s.now += 20;
  for (int n = 7; n <= 10; ++n) scan_until_banned("2001:db8:1:" + std::to_string(n) + "::1");
  CHECK(f.fetch("001122aabbcc", "2001:db8:1:ff::1").reason == "banned");
  auto no_error = [](const Error& e) { FAIL(e.what()); };
  f.s.now = kNow + 30 + 3600 - 1;
  CHECK(ops::expire(f.s, false, no_error).range_bans == 0);
  f.s.now = kNow + 30 + 3600;
  CHECK(ops::expire(f.s, false, no_error).range_bans == 1);
  CHECK(load_rules(f.s).range_bans.entries.empty());
  CHECK(load_rules(f.s).range_bans.members.empty());
}

TEST_CASE("ops bans: an address is one record, a wider prefix a range ban in the rules") {
  Fixture f;
  const ops::BanTarget one = ops::ban_target("198.51.100.7", f.s.config);
  CHECK_FALSE(one.is_range);
  CHECK(ops::ban_target("198.51.100.7/32", f.s.config).is_range == false);
  CHECK(ops::ban_target("2001:db8::1", f.s.config).prefix.str() == "2001:db8::/64");
  const ops::BanTarget range = ops::ban_target("198.51.100.0/24", f.s.config);
  CHECK(range.is_range);

  ops::add_ban(f.s, range, kNow + 3600);
  CHECK(f.fetch("001122aabbcc", "198.51.100.9").reason == "banned");
  std::vector<ops::BanInForce> bans = ops::bans_in_force(f.s, [](const Error&) { FAIL(""); });
  REQUIRE(bans.size() == 1);
  CHECK(bans[0].reason == "manual");
  CHECK(bans[0].until == kNow + 3600);
  // Lifting an address within the range lifts nothing: the range stands.
  CHECK_FALSE(ops::remove_ban(f.s, one));
  CHECK(ops::remove_ban(f.s, range));
  CHECK(f.fetch("001122aabbcc", "198.51.100.9").reason == "first-provision");

  ops::add_ban(f.s, one, kNow + 60);
  f.s.now = kNow + 59;
  CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "banned");
  f.s.now = kNow + 60;  // the second it ends
  CHECK(ops::bans_in_force(f.s, [](const Error&) { FAIL(""); }).empty());
  CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "locked");
}

TEST_CASE("ops::unlock: a missing or blocked device is refused, the others are unlocked") {
  Fixture f;
  store::update_record<Device>(*f.s.store, kPhone.str(), [](std::optional<Device>& d) {
    d->blocked = true;
    d->blocked_at = kNow - 60;
    return store::Write::durable;
  });
  Device other;
  other.mac = parse_mac("001122aabbcd");
  f.s.store->create_all(store::Kind::device, {{other.mac.str(), to_json(other)}},
                        [](std::size_t) {});
  const int writes = f.mem->writes;
  std::vector<std::string> unlocked;
  std::vector<Exit> refused;
  auto unlock = [&](bool force) {
    unlocked.clear();
    refused.clear();
    ops::unlock(
        f.s, {parse_mac("0011220000ff"), kPhone, parse_mac("001122aabbcd")}, kNow + 60, force,
        [&](const std::string& mac) { unlocked.push_back(mac); },
        [&](const Error& e) { refused.push_back(e.code()); });
  };
  unlock(false);
  CHECK(refused == std::vector<Exit>{Exit::no_device, Exit::no_perm});
  CHECK(unlocked == std::vector<std::string>{"001122aabbcd"});
  CHECK(f.mem->writes == writes + 1);  // the one unlocked, nothing else
  CHECK_FALSE(f.phone().unlock_until);
  unlock(true);
  CHECK(refused == std::vector<Exit>{Exit::no_device});
  CHECK(unlocked == std::vector<std::string>{"001122aabbcc", "001122aabbcd"});
  CHECK(f.phone().unlock_until == kNow + 60);
  CHECK(f.phone().blocked);  // underneath, until the unlock is used
  CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "unlocked");
  CHECK_FALSE(f.phone().blocked);
}

TEST_CASE("ops::add_devices and remove_devices: existing devices stay, each change journaled") {
  Fixture f;
  ops::unlock_all(f.s, std::nullopt, std::nullopt);
  const std::size_t lines = f.mem->journal.size();
  const std::vector<bool> added =
      ops::add_devices(f.s, {kPhone, parse_mac("001122aabbcd"), parse_mac("001122aabbcd")},
                       Registration{"acme", "desk 4", ""});
  CHECK(added == std::vector<bool>{false, true, false});
  CHECK(f.mem->journal.size() == lines + 1);
  CHECK(f.phone().account.empty());  // the existing device is as it was
  const Device d = *store::load_record<Device>(*f.s.store, "001122aabbcd");
  CHECK(d.account == "acme");
  CHECK(d.label == "desk 4");
  CHECK(d.registered == kNow);
  CHECK(d.unlock_all_seen == 1);  // the unlock-all given before does not reach it

  std::vector<std::string> removed;
  const std::vector<std::string> missing = ops::remove_devices(
      f.s, {parse_mac("0011220000ff"), parse_mac("001122aabbcd")},
      [&](const std::string& mac) { removed.push_back(mac); }, [](const Error& e) { throw e; });
  CHECK(missing == std::vector<std::string>{"0011220000ff"});
  CHECK(removed == std::vector<std::string>{"001122aabbcd"});
  CHECK_FALSE(store::load_record<Device>(*f.s.store, "001122aabbcd"));
  CHECK(f.mem->journal.back().second.find("\"command\":\"remove\"") != std::string::npos);
}

TEST_CASE("ops::unlock_all and windows reach the devices of their scope only") {
  Fixture f;
  Device other;
  other.mac = parse_mac("001122aabbcd");
  other.account = "acme";
  other.registered = kNow - 3600;
  f.s.store->create_all(store::Kind::device, {{other.mac.str(), to_json(other)}},
                        [](std::size_t) {});
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
  CHECK(f.fetch("001122aabbcd", "192.0.2.20").reason == "first-provision");

  // "" is the devices without an account: the phone, not acme's.
  const UnlockAll u = ops::unlock_all(f.s, AccountScope(""), std::nullopt);
  CHECK(u.id == 1);
  CHECK(f.fetch("001122aabbcd", "198.51.100.1").reason == "locked");
  CHECK(f.fetch("001122aabbcc", "198.51.100.1").reason == "unlock-all");

  Window w;
  w.prefix = parse_prefix("198.51.100.2");
  w.account = "acme";
  w.opened = kNow;
  w.until = kNow + 3600;
  ops::open_window(f.s, w);
  CHECK(ops::open_windows(f.s, [](const Error&) { FAIL(""); }).size() == 1);
  CHECK(f.fetch("001122aabbcc", "198.51.100.2").reason == "locked");
  CHECK(f.fetch("001122aabbcd", "198.51.100.2").reason == "window");
  CHECK(ops::close_window(f.s, w.prefix));
  CHECK_FALSE(ops::close_window(f.s, w.prefix));
  CHECK(ops::open_windows(f.s, [](const Error&) { FAIL(""); }).empty());
}

TEST_CASE("ops::answer_config_request: the file exists before anything is decided") {
  Fixture f;
  ops::ConfigRequest req;
  req.path = "/001122aabbcc.cfg";
  req.file_name = "001122aabbcc.cfg";
  req.remote_addr = parse_ip("198.51.100.7");
  int opened = 0;
  auto missing = [&] { return ++opened, false; };
  auto present = [&] { return ++opened, true; };

  // A missing file of a new device: 404, nothing bound, nothing written.
  ops::ConfigAnswer a = ops::answer_config_request(f.s, req, missing);
  CHECK(a.status == 404);
  CHECK_FALSE(a.serve_file);
  CHECK(f.mem->writes == 0);
  CHECK_FALSE(f.phone().bound_ip);

  // A User-Agent naming another phone: mac-mismatch, the file never opened.
  req.user_agent = "Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:01";
  opened = 0;
  a = ops::answer_config_request(f.s, req, present);
  CHECK(a.status == 403);
  CHECK(a.line.starts_with("mac-mismatch"));
  CHECK(opened == 0);

  req.user_agent.clear();
  a = ops::answer_config_request(f.s, req, present);
  CHECK(a.serve_file);
  CHECK(f.phone().bound_ip == parse_ip("198.51.100.7"));
  req.remote_addr = parse_ip("192.0.2.10");
  a = ops::answer_config_request(f.s, req, present);
  CHECK(a.status == 403);
  CHECK(a.line.starts_with("locked"));
}

TEST_CASE("ops::answer_config_request: a client certificate is its MAC's identity only") {
  Fixture f;
  ops::ConfigRequest req;
  req.path = "/001122aabbcc.cfg";
  req.file_name = "001122aabbcc.cfg";
  req.remote_addr = parse_ip("192.0.2.10");
  int opened = 0;
  auto present = [&] { return ++opened, true; };
  REQUIRE(ops::answer_config_request(f.s, req, present).serve_file);  // binds 192.0.2.10

  // Another phone's certificate for this phone's file: mac-mismatch, before
  // the file is opened, counted against the address, nothing re-bound.
  const Ip foreign = parse_ip("198.51.100.7");
  req.remote_addr = foreign;
  req.identity.certificate = parse_mac("0015654aa937");
  opened = 0;
  ops::ConfigAnswer a = ops::answer_config_request(f.s, req, present);
  CHECK(a.status == 403);
  CHECK(a.line.starts_with("mac-mismatch"));
  CHECK(a.line.find("certificate") != std::string::npos);
  CHECK(opened == 0);
  CHECK(f.phone().bound_ip == parse_ip("192.0.2.10"));
  auto counted = store::load_record<AddressRecord>(
      *f.s.store, store::address_key(ban_key(foreign, f.s.config)));
  REQUIRE(counted);
  CHECK(counted->attempts.size() == 1);
  const std::string& entry = f.mem->journal.back().second;
  CHECK(entry.find("\"reason\":\"mac-mismatch\"") != std::string::npos);
  CHECK(entry.find("\"certificate\":\"0015654aa937\"") != std::string::npos);
  CHECK(entry.find("\"mac\":\"001122aabbcc\"") != std::string::npos);

  // Without a certificate the foreign address is locked out...
  req.identity = {};
  a = ops::answer_config_request(f.s, req, present);
  CHECK(a.status == 403);
  CHECK(a.line.starts_with("locked"));

  // ...with the phone's own certificate it is served and re-bound there.
  req.identity.certificate = kPhone;
  a = ops::answer_config_request(f.s, req, present);
  CHECK(a.serve_file);
  CHECK(f.phone().bound_ip == foreign);
  CHECK(f.mem->journal.back().second.find("\"certificate\":\"001122aabbcc\"") != std::string::npos);
  req.identity = {};
  req.remote_addr = parse_ip("192.0.2.10");
  CHECK(ops::answer_config_request(f.s, req, present).line.starts_with("locked"));
}

// expire asks lib/expiry of each record it finds; this is the wiring: each
// kind of record is ended at its second and counted once, not a second
// before.
TEST_CASE("ops::expire: bans, range bans, windows and unlock-alls end at their second") {
  Fixture f;
  auto no_error = [](const Error& e) { FAIL(e.what()); };
  const Prefix key = ban_key(parse_ip("198.51.100.7"), f.s.config);
  store::update_record<AddressRecord>(*f.s.store, store::address_key(key),
                                      [&](std::optional<AddressRecord>& a) {
                                        a = AddressRecord{};
                                        a->prefix = key;
                                        impose_ban(*a, f.s.config, kNow, 60, "auto");
                                        return store::Write::durable;
                                      });
  ops::add_ban(f.s, ops::ban_target("192.0.2.0/24", f.s.config), kNow + 60);
  Window w;
  w.prefix = parse_prefix("198.51.100.2");
  w.opened = kNow;
  w.until = kNow + 60;
  ops::open_window(f.s, w);
  ops::unlock_all(f.s, std::nullopt, kNow + 60);

  f.s.now = kNow + 59;
  ops::ExpireCounts n = ops::expire(f.s, false, no_error);
  CHECK(n.bans + n.range_bans + n.windows + n.unlock_alls + n.forgotten == 0);
  // A scan while banned: counted (a registered phone's fetch would not be).
  CHECK(f.fetch("0011220000ff", "198.51.100.7").reason == "banned");

  f.s.now = kNow + 60;
  n = ops::expire(f.s, false, no_error);
  CHECK(n.bans == 1);
  CHECK(n.range_bans == 1);
  CHECK(n.windows == 1);
  CHECK(n.unlock_alls == 1);
  CHECK(n.forgotten == 0);  // remembered, so that its next ban escalates
  CHECK(load_rules(f.s).range_bans.entries.empty());
  CHECK(load_rules(f.s).unlock_alls.entries.empty());
  CHECK(ops::open_windows(f.s, no_error).empty());
  CHECK(store::load_record<AddressRecord>(*f.s.store, store::address_key(key))->times_banned == 1);

  // Forgotten once quiet for ban.max_ban_time since its last counted fetch
  // (the banned scan at kNow + 59), not a second sooner.
  f.s.now = kNow + 59 + f.s.config.ban.max_ban_time - 1;
  CHECK(ops::expire(f.s, false, no_error).forgotten == 0);
  f.s.now = kNow + 59 + f.s.config.ban.max_ban_time;
  n = ops::expire(f.s, false, no_error);
  CHECK(n.forgotten == 1);
  CHECK_FALSE(store::load_record<AddressRecord>(*f.s.store, store::address_key(key)));
}

// SPEC §6 prefix windows through the use cases: what check loads, what a dry
// run writes, which record open, close and expire touch.
TEST_CASE("ops: a prefix window lets a locked phone in from within and re-binds it") {
  Fixture f;
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
  f.s.now += 60;
  CHECK(f.fetch("001122aabbcc", "198.51.100.77").reason == "locked");

  const WindowTarget t = window_target("198.51.100.0/24", f.s.config);
  ops::open_window(f.s, Window{t.prefix, std::nullopt, f.s.now, f.s.now + 3600});
  CHECK(f.mem->records.count({store::Kind::window, "198.51.100.0-24"}) == 1);
  CHECK(f.mem->journal.back().second.find("\"ip\":\"198.51.100.0/24\"") != std::string::npos);

  // A dry run answers as a real check would, and writes nothing.
  f.mem->writes = f.mem->appended = 0;
  CHECK(f.fetch("001122aabbcc", "198.51.100.77", true).reason == "window");
  CHECK(f.mem->writes == 0);
  CHECK(f.mem->appended == 0);
  CHECK(f.phone().bound_ip == parse_ip("192.0.2.10"));

  CHECK(f.fetch("001122aabbcc", "198.51.100.77").reason == "window");
  CHECK(f.phone().bound_ip == parse_ip("198.51.100.77"));
  CHECK(f.fetch("001122aabbcc", "198.51.101.1").reason == "locked");

  // Closing an address within the /24 closes no window of it; the /24 goes.
  CHECK_FALSE(ops::close_window(f.s, window_target("198.51.100.77", f.s.config).prefix));
  CHECK(f.fetch("001122aabbcc", "198.51.100.78").reason == "window");
  CHECK(ops::close_window(f.s, t.prefix));
  CHECK(f.mem->records.count({store::Kind::window, "198.51.100.0-24"}) == 0);
  CHECK(f.fetch("001122aabbcc", "198.51.100.79").reason == "locked");
}

TEST_CASE("ops: check passes over unreadable windows of other addresses, not its own") {
  Fixture f;
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "first-provision");
  const UnixTime until = kNow + 3600;
  ops::open_window(f.s, Window{parse_prefix("198.51.100.0/24"), std::nullopt, kNow, until});
  auto& records = f.mem->records;
  records[{store::Kind::window, "203.0.113.0-24"}] = "{\"format\":9}";
  records[{store::Kind::window, "not-a-window"}] = "garbage";
  CHECK(f.fetch("001122aabbcc", "192.0.2.10").reason == "same-ip");
  CHECK(f.fetch("001122aabbcc", "198.51.100.77").reason == "window");

  // The window of one address within the /24, unreadable: that address's
  // checks fail closed, as they did when every window was one address.
  records[{store::Kind::window, "198.51.100.9"}] = "{\"format\":9}";
  const ops::FetchResult r = f.fetch("001122aabbcc", "198.51.100.9");
  CHECK(r.reason == "store-error");
  REQUIRE(r.store_error);
  CHECK(std::string(r.store_error->what()).find("198.51.100.9") != std::string::npos);
  CHECK(f.fetch("001122aabbcc", "198.51.100.10").reason == "window");
  // An unreadable /16 around it bears on the whole /16.
  records[{store::Kind::window, "198.51.0.0-16"}] = "[]";
  CHECK(f.fetch("001122aabbcc", "198.51.7.7").reason == "store-error");
  CHECK(records[{store::Kind::window, "198.51.0.0-16"}] == "[]");  // never overwritten
}

TEST_CASE("ops: an IPv6 address's window covers its /64; a window 0.1 wrote is its address") {
  Fixture f;
  CHECK(f.fetch("001122aabbcc", "2001:db8:1::5").reason == "first-provision");
  const WindowTarget t = window_target("2001:db8:2::1", f.s.config);
  ops::open_window(f.s, Window{t.prefix, std::string(""), kNow, kNow + 3600});
  CHECK(f.mem->records.count({store::Kind::window, "2001_db8_2__-64"}) == 1);
  CHECK(f.fetch("001122aabbcc", "2001:db8:2::abcd:1").reason == "window");
  CHECK(f.phone().bound_ip == parse_ip("2001:db8:2::abcd:1"));
  CHECK(ops::close_window(f.s, t.prefix));

  // As provlock 0.1 wrote it: the one address, byte for byte.
  f.mem->records[{store::Kind::window, "2001_db8_3__1"}] =
      R"({"account":"","format":1,"ip":"2001:db8:3::1","opened":"2026-11-26T11:00:00Z",)"
      R"("until":"2026-11-26T13:00:00Z"})";
  CHECK(f.fetch("001122aabbcc", "2001:db8:3::abcd:1").reason == "locked");
  CHECK(f.fetch("001122aabbcc", "2001:db8:3::1").reason == "window");
  const std::vector<Window> open = ops::open_windows(f.s, [](const Error& e) { FAIL(e.what()); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].prefix == parse_prefix("2001:db8:3::1/128"));
  // `window close 2001:db8:3::1` names it beside the /64's window.
  const WindowTarget old = window_target("2001:db8:3::1", f.s.config);
  CHECK_FALSE(ops::close_window(f.s, old.prefix));
  REQUIRE(old.address);
  CHECK(ops::close_window(f.s, *old.address));
  CHECK(f.mem->records.count({store::Kind::window, "2001_db8_3__1"}) == 0);
}

TEST_CASE("ops::expire removes a prefix window at its second") {
  Fixture f;
  auto no_error = [](const Error& e) { FAIL(e.what()); };
  ops::open_window(f.s, Window{parse_prefix("198.51.100.0/24"), std::nullopt, kNow, kNow + 60});
  ops::open_window(f.s, Window{parse_prefix("2001:db8::/48"), std::nullopt, kNow, kNow + 120});
  f.s.now = kNow + 59;
  CHECK(ops::expire(f.s, false, no_error).windows == 0);
  f.s.now = kNow + 60;
  CHECK(ops::expire(f.s, true, no_error).windows == 1);
  CHECK(f.mem->records.count({store::Kind::window, "198.51.100.0-24"}) == 1);
  CHECK(ops::expire(f.s, false, no_error).windows == 1);
  CHECK(f.mem->records.count({store::Kind::window, "198.51.100.0-24"}) == 0);
  CHECK(f.mem->records.count({store::Kind::window, "2001_db8__-48"}) == 1);
  f.s.now = kNow + 120;
  CHECK(ops::expire(f.s, false, no_error).windows == 1);
  CHECK(ops::open_windows(f.s, no_error).empty());
}
