// The use cases (ops/) run end to end on an in-memory store: what they load,
// decide, write and journal, to the second, without a directory.
#include <doctest/doctest.h>

#include "lib/bans.hpp"
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

TEST_CASE("ops::self_unban: lifts provlock's own ban, never an operator's") {
  Fixture f;
  const Prefix key = ban_key(parse_ip("198.51.100.7"), f.s.config);
  for (const char* reason : {"manual", "auto"}) {
    CAPTURE(reason);
    store::update_record<AddressRecord>(*f.s.store, store::address_key(key),
                                        [&](std::optional<AddressRecord>& a) {
                                          a = AddressRecord{};
                                          a->prefix = key;
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
  w.ip = parse_ip("198.51.100.2");
  w.account = "acme";
  w.opened = kNow;
  w.until = kNow + 3600;
  ops::open_window(f.s, w);
  CHECK(ops::open_windows(f.s, [](const Error&) { FAIL(""); }).size() == 1);
  CHECK(f.fetch("001122aabbcc", "198.51.100.2").reason == "locked");
  CHECK(f.fetch("001122aabbcd", "198.51.100.2").reason == "window");
  CHECK(ops::close_window(f.s, w.ip));
  CHECK_FALSE(ops::close_window(f.s, w.ip));
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
  w.ip = parse_ip("198.51.100.2");
  w.opened = kNow;
  w.until = kNow + 60;
  ops::open_window(f.s, w);
  ops::unlock_all(f.s, std::nullopt, kNow + 60);

  f.s.now = kNow + 59;
  ops::ExpireCounts n = ops::expire(f.s, false, no_error);
  CHECK(n.bans + n.range_bans + n.windows + n.unlock_alls + n.forgotten == 0);
  CHECK(f.fetch("001122aabbcc", "198.51.100.7").reason == "banned");

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
  // (the banned one at kNow + 59), not a second sooner.
  f.s.now = kNow + 59 + f.s.config.ban.max_ban_time - 1;
  CHECK(ops::expire(f.s, false, no_error).forgotten == 0);
  f.s.now = kNow + 59 + f.s.config.ban.max_ban_time;
  n = ops::expire(f.s, false, no_error);
  CHECK(n.forgotten == 1);
  CHECK_FALSE(store::load_record<AddressRecord>(*f.s.store, store::address_key(key)));
}
