// SPEC §4 (the decision of `check`), with the §3 states, the §5 suspicious
// activity and the §6 unlocks, windows and binding widths it depends on.
// Every case sets `now` and the records and checks the decision to the second.
#include "lib/policy.hpp"

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
constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

// The address the phone was provisioned from, and an attacker's.
constexpr const char* kHome = "192.0.2.10";
constexpr const char* kAway = "198.51.100.7";

// A device record, built up in the operator's words.
class DeviceBuilder {
 public:
  DeviceBuilder() {
    d_.mac = parse_mac("001122aabbcc");
    d_.registered = kNow - kDay;
  }
  DeviceBuilder& account(const std::string& a) {
    d_.account = a;
    return *this;
  }
  DeviceBuilder& registered(UnixTime t) {
    d_.registered = t;
    return *this;
  }
  // Provisioned once, at `at`, from `ip`.
  DeviceBuilder& bound(const char* ip, UnixTime at = kNow - 10 * kDay) {
    d_.bound_ip = parse_ip(ip);
    d_.bound_at = at;
    d_.first_provisioned = at;
    d_.registered = std::min(d_.registered, at);
    return *this;
  }
  DeviceBuilder& unlocked_until(UnixTime t) {
    d_.unlock_until = t;
    return *this;
  }
  DeviceBuilder& unlock_all_seen(std::uint64_t id) {
    d_.unlock_all_seen = id;
    return *this;
  }
  DeviceBuilder& blocked(UnixTime at = kNow - kHour) {
    d_.blocked = true;
    d_.blocked_at = at;
    return *this;
  }
  // Foreign fetches at `times`, each from another address (203.0.113.1,
  // .2, ...): distinct addresses are what block a device.
  DeviceBuilder& foreign(const std::vector<UnixTime>& times) {
    d_.foreign.clear();
    for (std::size_t i = 0; i < times.size(); ++i)
      d_.foreign.push_back(ForeignFetch{times[i], parse_ip("203.0.113." + std::to_string(i + 1))});
    return *this;
  }
  DeviceBuilder& counters(std::uint64_t allowed, std::uint64_t denied) {
    d_.allowed = allowed;
    d_.denied = denied;
    return *this;
  }
  operator Device() const { return d_; }

 private:
  Device d_;
};

Device new_device() {
  return DeviceBuilder();
}
Device stale_device() {
  return DeviceBuilder().registered(kNow - 30 * kDay);
}
Device locked_device() {
  return DeviceBuilder().bound(kHome);
}
Device blocked_device() {
  return DeviceBuilder().bound(kHome).blocked();
}

// The scope of `--account` left out.
const AccountScope kAllAccounts = std::nullopt;

Window window_for(const char* ip, const AccountScope& account = kAllAccounts,
                  UnixTime opened = kNow - kHour, UnixTime until = kNow + kHour) {
  Window w;
  w.prefix = parse_prefix(ip);
  w.account = account;
  w.opened = opened;
  w.until = until;
  return w;
}

// One unlock-all with id 1, given an hour ago.
UnlockAllSet unlock_all(const AccountScope& account = kAllAccounts,
                        std::optional<UnixTime> until = std::nullopt, std::uint64_t id = 1) {
  UnlockAllSet s;
  s.last_id = id;
  s.entries.push_back(UnlockAll{id, kNow - kHour, account, until});
  return s;
}

Config config_with(int bind_v4 = 32, int bind_v6 = 64) {
  Config c;
  c.lock.bind_prefix_v4 = bind_v4;
  c.lock.bind_prefix_v6 = bind_v6;
  return c;
}

// Everything `check` loads for one fetch.
struct Scene {
  std::optional<Device> device = locked_device();  // nullopt: unknown MAC
  bool banned = false;
  std::optional<Window> window;
  std::optional<UnlockAllSet> unlock_alls;
  Config cfg;
};

// A fetch of the device from `from` with the identity `id`.
Decision decide_as(const Scene& s, const char* from, const Identity& id, UnixTime now = kNow) {
  Fetch f;
  f.mac = parse_mac("001122aabbcc");
  f.ip = parse_ip(from);
  f.identity = id;
  FetchRecords r;
  r.ip_banned = s.banned;
  r.device = s.device ? &*s.device : nullptr;
  if (s.window) r.windows = {&*s.window, 1};
  r.unlock_alls = s.unlock_alls ? &*s.unlock_alls : nullptr;
  return decide(f, r, s.cfg, now);
}

// The same, anonymous or with `--authenticated`.
Decision decide_in(const Scene& s, const char* from, UnixTime now = kNow,
                   bool authenticated = false) {
  Identity id;
  id.promised = authenticated;
  return decide_as(s, from, id, now);
}

// The line `check` prints for a decision.
std::string line(const Decision& d) {
  return (d.allow ? "allow " : "deny ") + std::string(token(d.reason));
}

struct Case {
  const char* name;
  Scene scene;
  const char* from;
  bool authenticated;
  UnixTime now;
  const char* expect;
};

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(line(decide_in(c.scene, c.from, c.now, c.authenticated)) == c.expect);
  }
}

Scene scene(std::optional<Device> device) {
  Scene s;
  s.device = std::move(device);
  return s;
}

}  // namespace

TEST_CASE("policy: each step of SPEC §4 on its own") {
  Scene banned = scene(locked_device());
  banned.banned = true;
  Scene unknown = scene(std::nullopt);
  Scene window = scene(locked_device());
  window.window = window_for(kAway);
  Scene unlocked = scene(DeviceBuilder().bound(kHome).unlocked_until(kNow + kDay));
  Scene unlock_all_scene = scene(locked_device());
  unlock_all_scene.unlock_alls = unlock_all();

  run({
      {"1 banned", banned, kHome, false, kNow, "deny banned"},
      {"2 unknown device", unknown, kHome, false, kNow, "deny unknown-device"},
      // Step 3 (auth-mismatch) needs a user name: see the identity cases.
      {"4 blocked", scene(blocked_device()), kAway, false, kNow, "deny blocked"},
      {"5 window", window, kAway, false, kNow, "allow window"},
      {"6 explicit unlock", unlocked, kAway, false, kNow, "allow unlocked"},
      {"6 unlock-all", unlock_all_scene, kAway, false, kNow, "allow unlock-all"},
      {"7 authenticated", scene(locked_device()), kAway, true, kNow, "allow authenticated"},
      {"8 new", scene(new_device()), kAway, false, kNow, "allow first-provision"},
      {"9 stale", scene(stale_device()), kAway, false, kNow, "deny stale-registration"},
      {"10 same ip", scene(locked_device()), kHome, false, kNow, "allow same-ip"},
      {"11 elsewhere", scene(locked_device()), kAway, false, kNow, "deny locked"},
  });
}

TEST_CASE("policy: first match wins (precedence between the steps)") {
  auto with = [](Device d, bool banned, bool window, bool unlock_all_too) {
    Scene s = scene(std::move(d));
    s.banned = banned;
    if (window) s.window = window_for(kAway);
    if (unlock_all_too) s.unlock_alls = unlock_all();
    return s;
  };
  Device unlocked = DeviceBuilder().bound(kHome).unlocked_until(kNow + kDay);
  Device blocked_forced = DeviceBuilder().bound(kHome).blocked().unlocked_until(kNow + kDay);
  Scene banned_unknown = with(new_device(), true, true, true);
  banned_unknown.device.reset();
  Scene unknown_everything = with(new_device(), false, true, true);
  unknown_everything.device.reset();

  run({
      // Step 1 beats everything.
      {"banned beats unknown device", banned_unknown, kAway, true, kNow, "deny banned"},
      {"banned beats window, unlocks, credentials", with(unlocked, true, true, true), kAway, true,
       kNow, "deny banned"},
      {"banned beats the bound ip", with(locked_device(), true, false, false), kHome, false, kNow,
       "deny banned"},
      {"banned beats a new device", with(new_device(), true, false, false), kAway, false, kNow,
       "deny banned"},
      // Step 2.
      {"unknown device beats window and credentials", unknown_everything, kAway, true, kNow,
       "deny unknown-device"},
      // Step 4 beats 5 to 11: a block freezes the binding.
      {"blocked beats window", with(blocked_device(), false, true, false), kAway, false, kNow,
       "deny blocked"},
      {"blocked beats unlock-all", with(blocked_device(), false, false, true), kAway, false, kNow,
       "deny blocked"},
      {"a blocked device's own credentials pass", with(blocked_device(), false, false, false),
       kAway, true, kNow, "allow authenticated"},
      {"a blocked device's own credentials pass a window too",
       with(blocked_device(), false, true, true), kAway, true, kNow, "allow authenticated"},
      {"a blocked device answers its bound ip", with(blocked_device(), false, false, false), kHome,
       false, kNow, "allow same-ip"},
      {"a blocked device answers its bound ip, unlock-all or not",
       with(blocked_device(), false, true, true), kHome, false, kNow, "allow same-ip"},
      // A forced unlock is the one way past a block.
      {"forced unlock of a blocked device", with(blocked_forced, false, false, false), kAway, false,
       kNow, "allow unlocked"},
      // Step 4 beats 5 to 10.
      {"window beats explicit unlock", with(unlocked, false, true, false), kAway, false, kNow,
       "allow window"},
      {"window beats unlock-all", with(locked_device(), false, true, true), kAway, false, kNow,
       "allow window"},
      {"window beats credentials", with(locked_device(), false, true, false), kAway, true, kNow,
       "allow window"},
      {"window beats new", with(new_device(), false, true, false), kAway, false, kNow,
       "allow window"},
      {"window beats stale", with(stale_device(), false, true, false), kAway, false, kNow,
       "allow window"},
      // Step 5 beats 6 to 10.
      {"explicit unlock beats unlock-all", with(unlocked, false, false, true), kAway, false, kNow,
       "allow unlocked"},
      {"explicit unlock beats credentials", with(unlocked, false, false, false), kAway, true, kNow,
       "allow unlocked"},
      {"unlock-all beats credentials", with(locked_device(), false, false, true), kAway, true, kNow,
       "allow unlock-all"},
      {"unlock beats the bound ip", with(unlocked, false, false, false), kHome, false, kNow,
       "allow unlocked"},
      {"unlock beats stale",
       with(DeviceBuilder().registered(kNow - 30 * kDay).unlocked_until(kNow + 1), false, false,
            false),
       kAway, false, kNow, "allow unlocked"},
      {"unlock-all beats new", with(new_device(), false, false, true), kAway, false, kNow,
       "allow unlock-all"},
      // Step 6 beats 7 to 10.
      {"credentials beat new", with(new_device(), false, false, false), kAway, true, kNow,
       "allow authenticated"},
      {"credentials beat stale", with(stale_device(), false, false, false), kAway, true, kNow,
       "allow authenticated"},
      {"credentials beat same ip", with(locked_device(), false, false, false), kHome, true, kNow,
       "allow authenticated"},
      {"credentials beat locked", with(locked_device(), false, false, false), kAway, true, kNow,
       "allow authenticated"},
  });
}

TEST_CASE("policy: an unknown device's fetch reaches no device") {
  Decision u = decide_in(scene(std::nullopt), kHome);
  CHECK_FALSE(u.allow);
  CHECK(u.reason == "unknown-device");
  CHECK_FALSE(u.device.has_value());
  CHECK_FALSE(u.binding_changed);
}

TEST_CASE("policy: a banned fetch changes nothing about who may fetch") {
  Scene s = scene(DeviceBuilder().bound(kHome).unlocked_until(kNow + kDay));
  s.banned = true;
  s.unlock_alls = unlock_all();
  Decision d = decide_in(s, kAway);
  CHECK(line(d) == "deny banned");
  CHECK_FALSE(d.binding_changed);
  if (d.device) {
    CHECK(d.device->bound_ip == parse_ip(kHome));
    CHECK(d.device->unlock_until == kNow + kDay);  // the unlock is not used up
    CHECK(d.device->unlock_all_seen == 0);
    CHECK(d.device->foreign.empty());  // not a foreign attempt: step 10 was never reached
  }
}

// SPEC §4: "Every decision updates the device's last_seen, last_ip and
// counters". `deny banned` is a decision; when the MAC is known the device's
// record says that it was asked for, and from where.
TEST_CASE("policy: a banned fetch of a known device updates its last_seen and counters") {
  Scene s = scene(DeviceBuilder().bound(kHome).counters(5, 3));
  s.banned = true;
  Decision d = decide_in(s, kAway);
  CHECK(line(d) == "deny banned");
  REQUIRE(d.device);
  CHECK(d.device->last_seen == kNow);
  CHECK(d.device->last_ip == parse_ip(kAway));
  CHECK(d.device->allowed == 5);
  CHECK(d.device->denied == 4);
}

TEST_CASE("policy: a window is open from `opened` up to, not including, `until`") {
  const UnixTime opened = kNow - kHour;
  const UnixTime until = kNow + kHour;
  auto at = [&](UnixTime now) {
    Scene s = scene(locked_device());
    s.window = window_for(kAway, kAllAccounts, opened, until);
    return line(decide_in(s, kAway, now));
  };
  CHECK(at(opened - 1) == "deny locked");
  CHECK(at(opened) == "allow window");
  CHECK(at(opened + 1) == "allow window");
  CHECK(at(until - 1) == "allow window");
  CHECK(at(until) == "deny locked");
  CHECK(at(until + 1) == "deny locked");

  Window w = window_for(kAway, kAllAccounts, opened, until);
  Device d = locked_device();
  CHECK_FALSE(window_admits(w, d, opened - 1));
  CHECK(window_admits(w, d, opened));
  CHECK(window_admits(w, d, until - 1));
  CHECK_FALSE(window_admits(w, d, until));
}

TEST_CASE("policy: a window's scope: every account, one account, or the devices without one") {
  struct Row {
    const char* name;
    AccountScope window_account;
    const char* device_account;
    const char* expect;
  };
  const Row rows[] = {
      {"all accounts, device in acme", kAllAccounts, "acme", "allow window"},
      {"all accounts, device in no account", kAllAccounts, "", "allow window"},
      {"acme window, acme device", "acme", "acme", "allow window"},
      {"acme window, other device", "acme", "other", "deny locked"},
      {"acme window, device in no account", "acme", "", "deny locked"},
      {"account names are compared exactly", "acme", "Acme", "deny locked"},
      // SPEC §6: --account "" is the devices without an account, never all.
      {"no-account window, device in no account", "", "", "allow window"},
      {"no-account window, device in acme", "", "acme", "deny locked"},
      {"no-account window, device in an account of one space", "", " ", "deny locked"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Scene s = scene(DeviceBuilder().account(r.device_account).bound(kHome));
    s.window = window_for(kAway, r.window_account);
    CHECK(line(decide_in(s, kAway)) == r.expect);
    CHECK(window_admits(*s.window, *s.device, kNow) == (r.expect == std::string("allow window")));
  }
}

TEST_CASE("policy: a window fetch binds the device to the window's ip") {
  Scene s = scene(DeviceBuilder().bound(kHome, kNow - 10 * kDay).foreign({kNow - kHour}));
  s.window = window_for(kAway);
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(d.reason == "window");
  CHECK(d.device->bound_ip == parse_ip(kAway));
  CHECK(d.device->bound_at == kNow);
  CHECK(d.device->first_provisioned == kNow - 10 * kDay);  // the first one stays
  CHECK(d.binding_changed);
  CHECK(state_of(*d.device, {}, s.cfg, kNow) == State::locked);

  // From now on the old address is foreign.
  Scene after = scene(*d.device);
  CHECK(line(decide_in(after, kHome, kNow + 1)) == "deny locked");
  CHECK(line(decide_in(after, kAway, kNow + 1)) == "allow same-ip");
}

TEST_CASE("policy: an explicit unlock allows any ip once and is used up") {
  Device dev = DeviceBuilder().bound(kHome).unlocked_until(kNow + 7 * kDay);
  Scene s = scene(dev);
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow unlocked");
  CHECK(d.binding_changed);
  CHECK_FALSE(d.device->unlock_until.has_value());
  CHECK(d.device->bound_ip == parse_ip(kAway));
  CHECK(d.device->bound_at == kNow);
  CHECK(state_of(*d.device, {}, s.cfg, kNow) == State::locked);

  // The next fetch from anywhere else finds the device locked to kAway.
  Scene after = scene(*d.device);
  CHECK(line(decide_in(after, kHome, kNow + 1)) == "deny locked");
  CHECK(line(decide_in(after, kAway, kNow + 1)) == "allow same-ip");
}

TEST_CASE("policy: an explicit unlock is in force while now < until") {
  auto at = [](UnixTime until, UnixTime now) {
    return line(decide_in(scene(DeviceBuilder().bound(kHome).unlocked_until(until)), kAway, now));
  };
  CHECK(at(kNow + 1, kNow) == "allow unlocked");
  CHECK(at(kNow, kNow) == "deny locked");
  CHECK(at(kNow - 1, kNow) == "deny locked");
}

TEST_CASE("policy: an unlock that expired unused falls back to the state before it") {
  const UnixTime expired = kNow - 1;
  run({
      {"locked stays locked", scene(DeviceBuilder().bound(kHome).unlocked_until(expired)), kAway,
       false, kNow, "deny locked"},
      {"locked still admits its own ip",
       scene(DeviceBuilder().bound(kHome).unlocked_until(expired)), kHome, false, kNow,
       "allow same-ip"},
      {"new stays new", scene(DeviceBuilder().registered(kNow - kDay).unlocked_until(expired)),
       kAway, false, kNow, "allow first-provision"},
      {"stale stays stale",
       scene(DeviceBuilder().registered(kNow - 30 * kDay).unlocked_until(expired)), kAway, false,
       kNow, "deny stale-registration"},
      {"blocked stays blocked",
       scene(DeviceBuilder().bound(kHome).blocked().unlocked_until(expired)), kAway, false, kNow,
       "deny blocked"},
  });

  Scene s = scene(DeviceBuilder().bound(kHome).unlocked_until(kNow - kHour));
  s.unlock_alls = unlock_all(kAllAccounts, kNow - 1);
  CHECK(line(decide_in(s, kAway)) == "deny locked");
}

TEST_CASE("policy: unlock-all allows any ip once and is used up by the fetch") {
  Scene s = scene(DeviceBuilder().bound(kHome).unlock_all_seen(0));
  s.unlock_alls = unlock_all(kAllAccounts, std::nullopt, 3);
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow unlock-all");
  CHECK(d.binding_changed);
  CHECK(d.device->unlock_all_seen == 3);
  CHECK(d.device->bound_ip == parse_ip(kAway));
  CHECK(state_of(*d.device, *s.unlock_alls, s.cfg, kNow) == State::locked);

  Scene after = s;
  after.device = *d.device;
  CHECK(line(decide_in(after, kHome, kNow + 1)) == "deny locked");
  CHECK(line(decide_in(after, kAway, kNow + 1)) == "allow same-ip");
}

TEST_CASE("policy: unlock-all uses up every unlock-all given so far") {
  UnlockAllSet set;
  set.last_id = 7;  // id 7 has expired and left the set; 5 and 6 remain
  set.entries = {UnlockAll{5, kNow - 2 * kHour, kAllAccounts, std::nullopt},
                 UnlockAll{6, kNow - kHour, "other", std::nullopt}};
  Scene s = scene(DeviceBuilder().bound(kHome).unlock_all_seen(4));
  s.unlock_alls = set;
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow unlock-all");
  CHECK(d.device->unlock_all_seen == 7);
}

TEST_CASE("policy: which unlock-alls apply to a device") {
  struct Row {
    const char* name;
    std::uint64_t device_seen;
    const char* device_account;
    UnlockAllSet set;
    const char* expect;
  };
  const Row rows[] = {
      {"given after the device was added", 2, "", unlock_all(kAllAccounts, std::nullopt, 3),
       "allow unlock-all"},
      {"id equal to unlock_all_seen: device added after it", 3, "",
       unlock_all(kAllAccounts, std::nullopt, 3), "deny locked"},
      {"id below unlock_all_seen", 5, "", unlock_all(kAllAccounts, std::nullopt, 3), "deny locked"},
      {"its account", 0, "acme", unlock_all("acme"), "allow unlock-all"},
      {"another account", 0, "other", unlock_all("acme"), "deny locked"},
      {"no account, unlock-all of one account", 0, "", unlock_all("acme"), "deny locked"},
      {"every account", 0, "other", unlock_all(kAllAccounts), "allow unlock-all"},
      {"every account, device in no account", 0, "", unlock_all(kAllAccounts), "allow unlock-all"},
      // SPEC §6: --account "" is the devices without an account, never all.
      {"no account, device in no account", 0, "", unlock_all(""), "allow unlock-all"},
      {"no account, device in an account", 0, "acme", unlock_all(""), "deny locked"},
      {"until one second from now", 0, "", unlock_all(kAllAccounts, kNow + 1), "allow unlock-all"},
      {"until now: expired", 0, "", unlock_all(kAllAccounts, kNow), "deny locked"},
      {"until one second ago", 0, "", unlock_all(kAllAccounts, kNow - 1), "deny locked"},
      {"empty set", 0, "", UnlockAllSet{}, "deny locked"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Scene s = scene(
        DeviceBuilder().account(r.device_account).bound(kHome).unlock_all_seen(r.device_seen));
    s.unlock_alls = r.set;
    CHECK(line(decide_in(s, kAway)) == r.expect);
  }
}

TEST_CASE("policy: an explicit unlock and an unlock-all are both used up by one fetch") {
  Scene s = scene(DeviceBuilder().bound(kHome).unlocked_until(kNow + kDay));
  s.unlock_alls = unlock_all(kAllAccounts, std::nullopt, 2);
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow unlocked");
  CHECK_FALSE(d.device->unlock_until.has_value());
  CHECK(d.device->unlock_all_seen == 2);
  CHECK(state_of(*d.device, *s.unlock_alls, s.cfg, kNow) == State::locked);
}

TEST_CASE("policy: a window fetch uses up the unlocks in force") {
  Scene s = scene(DeviceBuilder().bound(kHome).unlocked_until(kNow + kDay));
  s.unlock_alls = unlock_all(kAllAccounts, std::nullopt, 2);
  s.window = window_for(kAway);
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow window");
  CHECK_FALSE(d.device->unlock_until.has_value());
  CHECK(d.device->unlock_all_seen == 2);
  CHECK(state_of(*d.device, *s.unlock_alls, s.cfg, kNow) == State::locked);
}

TEST_CASE("policy: authenticated fetches re-bind when the ip changed, keep it otherwise") {
  SUBCASE("from a new address: re-bound") {
    Scene s = scene(DeviceBuilder().bound(kHome, kNow - 10 * kDay).foreign({kNow - kHour}));
    Decision d = decide_in(s, kAway, kNow, true);
    REQUIRE(d.device);
    CHECK(line(d) == "allow authenticated");
    CHECK(d.binding_changed);
    CHECK(d.device->bound_ip == parse_ip(kAway));
    CHECK(d.device->bound_at == kNow);
    CHECK(d.device->first_provisioned == kNow - 10 * kDay);
    // A phone with credentials and a dynamic address never locks itself out,
    // and the next unauthenticated fetch from the new address is same-ip.
    CHECK(line(decide_in(scene(*d.device), kAway, kNow + 1)) == "allow same-ip");
  }
  SUBCASE("from the bound address: binding kept") {
    Scene s = scene(DeviceBuilder().bound(kHome, kNow - 10 * kDay));
    Decision d = decide_in(s, kHome, kNow, true);
    REQUIRE(d.device);
    CHECK(line(d) == "allow authenticated");
    CHECK_FALSE(d.binding_changed);
    CHECK(d.device->bound_ip == parse_ip(kHome));
    CHECK(d.device->bound_at == kNow - 10 * kDay);
  }
  SUBCASE("a never-provisioned device: bound") {
    Decision d = decide_in(scene(new_device()), kAway, kNow, true);
    REQUIRE(d.device);
    CHECK(line(d) == "allow authenticated");
    CHECK(d.binding_changed);
    CHECK(d.device->bound_ip == parse_ip(kAway));
    CHECK(d.device->first_provisioned == kNow);
  }
}

TEST_CASE("policy: a new device's first fetch binds it") {
  Decision d = decide_in(scene(new_device()), kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow first-provision");
  CHECK(d.binding_changed);
  CHECK(d.device->bound_ip == parse_ip(kAway));
  CHECK(d.device->bound_at == kNow);
  CHECK(d.device->first_provisioned == kNow);
  Config cfg;
  CHECK(state_of(*d.device, {}, cfg, kNow) == State::locked);
  CHECK(line(decide_in(scene(*d.device), kHome, kNow + 1)) == "deny locked");
}

TEST_CASE("policy: new until exactly lock.stale_after after registration, stale one second later") {
  struct Row {
    const char* name;
    std::int64_t stale_after;
    std::int64_t age;
    const char* expect;
  };
  const std::int64_t week = 7 * kDay;
  const Row rows[] = {
      {"registered just now", week, 0, "allow first-provision"},
      {"one second short of 7d", week, week - 1, "allow first-provision"},
      {"exactly 7d", week, week, "allow first-provision"},
      {"7d and one second", week, week + 1, "deny stale-registration"},
      {"a year", week, 365 * kDay, "deny stale-registration"},
      {"stale_after 1h, exactly 1h", kHour, kHour, "allow first-provision"},
      {"stale_after 1h, 1h and one second", kHour, kHour + 1, "deny stale-registration"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Scene s = scene(DeviceBuilder().registered(kNow - r.age));
    s.cfg.lock.stale_after = r.stale_after;
    CHECK(line(decide_in(s, kAway)) == r.expect);
  }
}

TEST_CASE("policy: what counts as the same ip (binding width)") {
  struct Row {
    const char* name;
    Config cfg;
    const char* bound;
    const char* from;
    const char* expect;
  };
  const Row rows[] = {
      // IPv4, default /32.
      {"v4 /32: the address itself", config_with(), "192.0.2.10", "192.0.2.10", "allow same-ip"},
      {"v4 /32: its neighbour", config_with(), "192.0.2.10", "192.0.2.11", "deny locked"},
      // IPv4, lock.bind_prefix_v4 = 24.
      {"v4 /24: same /24", config_with(24), "192.0.2.10", "192.0.2.200", "allow same-ip"},
      {"v4 /24: first of the /24", config_with(24), "192.0.2.10", "192.0.2.0", "allow same-ip"},
      {"v4 /24: last of the /24", config_with(24), "192.0.2.10", "192.0.2.255", "allow same-ip"},
      {"v4 /24: next /24", config_with(24), "192.0.2.10", "192.0.3.0", "deny locked"},
      {"v4 /24: previous /24", config_with(24), "192.0.2.10", "192.0.1.255", "deny locked"},
      // IPv6, default /64.
      {"v6 /64: same address", config_with(), "2001:db8:1:2::10", "2001:db8:1:2::10",
       "allow same-ip"},
      {"v6 /64: last of the /64", config_with(), "2001:db8:1:2::10",
       "2001:db8:1:2:ffff:ffff:ffff:ffff", "allow same-ip"},
      {"v6 /64: next /64", config_with(), "2001:db8:1:2::10", "2001:db8:1:3::10", "deny locked"},
      // IPv6, lock.bind_prefix_v6 = 56.
      {"v6 /56: same /56", config_with(32, 56), "2001:db8:1:200::1", "2001:db8:1:2ff::1",
       "allow same-ip"},
      {"v6 /56: next /56", config_with(32, 56), "2001:db8:1:200::1", "2001:db8:1:300::1",
       "deny locked"},
      {"v6 /56: previous /56", config_with(32, 56), "2001:db8:1:200::1", "2001:db8:1:1ff::1",
       "deny locked"},
      // The v4 width does not touch v6 and the other way round.
      {"v4 /24 leaves v6 at /64", config_with(24), "2001:db8:1:2::10", "2001:db8:1:3::10",
       "deny locked"},
      {"v6 /56 leaves v4 at /32", config_with(32, 56), "192.0.2.10", "192.0.2.11", "deny locked"},
      // Families never match each other.
      {"v4 binding, v6 fetch", config_with(0, 0), "192.0.2.10", "2001:db8::1", "deny locked"},
      {"v6 binding, v4 fetch", config_with(0, 0), "2001:db8::1", "192.0.2.10", "deny locked"},
      // IPv4-mapped IPv6 is the IPv4 address.
      {"mapped fetch of a v4 binding", config_with(), "192.0.2.10", "::ffff:192.0.2.10",
       "allow same-ip"},
      {"v4 fetch of a mapped binding", config_with(), "::ffff:192.0.2.10", "192.0.2.10",
       "allow same-ip"},
      {"mapped fetch, /24", config_with(24), "192.0.2.10", "::ffff:192.0.2.99", "allow same-ip"},
      {"mapped fetch of another address", config_with(), "192.0.2.10", "::ffff:192.0.2.11",
       "deny locked"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Scene s = scene(DeviceBuilder().bound(r.bound));
    s.cfg = r.cfg;
    CHECK(line(decide_in(s, r.from)) == r.expect);
    CHECK(same_binding(parse_ip(r.bound), parse_ip(r.from), r.cfg) ==
          (std::string(r.expect) == "allow same-ip"));
  }
}

TEST_CASE("policy: an IPv4-mapped address is the IPv4 address") {
  CHECK(parse_ip("::ffff:192.0.2.1") == parse_ip("192.0.2.1"));
  CHECK(parse_ip("::ffff:192.0.2.1").is_v4());
  CHECK(parse_ip("::FFFF:192.0.2.1") == parse_ip("192.0.2.1"));
  CHECK(parse_ip("::ffff:c000:201") == parse_ip("192.0.2.1"));

  // A window opened for the v4 address admits the mapped form, and the device
  // records the v4 form.
  Scene s = scene(locked_device());
  s.window = window_for("192.0.2.99");
  Decision d = decide_in(s, "::ffff:192.0.2.99");
  REQUIRE(d.device);
  CHECK(line(d) == "allow window");
  CHECK(d.device->bound_ip == parse_ip("192.0.2.99"));
  CHECK(d.device->last_ip->str() == "192.0.2.99");
}

TEST_CASE("policy: a locked device's foreign fetch is denied and recorded") {
  Scene s = scene(locked_device());
  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "deny locked");
  REQUIRE(d.device->foreign.size() == 1);
  CHECK(d.device->foreign[0] == ForeignFetch{kNow, parse_ip(kAway)});
  CHECK_FALSE(d.device->blocked);
  CHECK_FALSE(d.binding_changed);
  CHECK(d.device->bound_ip == parse_ip(kHome));  // the binding never moves on a deny

  // A fetch from the bound address records nothing.
  Decision home = decide_in(s, kHome);
  REQUIRE(home.device);
  CHECK(home.device->foreign.empty());
}

TEST_CASE("policy: the 11th foreign fetch within 24h blocks the device, not the 10th") {
  Config cfg;
  Device d = locked_device();
  // Eleven foreign fetches from eleven addresses, one every two hours: all
  // within 24h of the last.
  for (int i = 1; i <= 11; ++i) {
    CAPTURE(i);
    Scene s = scene(d);
    const std::string from = "198.51.100." + std::to_string(i);
    Decision out = decide_in(s, from.c_str(), kNow + (i - 1) * 2 * kHour);
    REQUIRE(out.device);
    CHECK(line(out) == "deny locked");
    d = *out.device;
    CHECK(d.blocked == (i == 11));
    CHECK(out.binding_changed == (i == 11));
  }
  const UnixTime blocked_at = kNow + 20 * kHour;
  CHECK(d.blocked_at == blocked_at);
  CHECK(state_of(d, {}, cfg, blocked_at) == State::blocked);
  // From then on only the bound address may fetch (SPEC v2 §3).
  CHECK(line(decide_in(scene(d), kHome, blocked_at + 1)) == "allow same-ip");
  CHECK(line(decide_in(scene(d), kAway, blocked_at + 1)) == "deny blocked");
  // A blocked device's foreign fetches are still recorded, for the operator.
  Decision denied = decide_in(scene(d), "203.0.113.99", blocked_at + 2);
  REQUIRE(denied.device);
  REQUIRE_FALSE(denied.device->foreign.empty());
  CHECK(denied.device->foreign.back() == ForeignFetch{blocked_at + 2, parse_ip("203.0.113.99")});
  CHECK_FALSE(denied.binding_changed);
  // And a block does not run out by itself.
  CHECK(line(decide_in(scene(d), kAway, blocked_at + 365 * kDay)) == "deny blocked");
  CHECK(state_of(d, {}, cfg, blocked_at + 365 * kDay) == State::blocked);
}

TEST_CASE("policy: foreign fetches older than suspicious.within do not count") {
  struct Row {
    const char* name;
    int max_foreign;
    std::int64_t within;
    std::vector<UnixTime> earlier;
    bool blocks;
  };
  auto spread = [](int n, UnixTime oldest, std::int64_t step) {
    std::vector<UnixTime> v;
    for (int i = 0; i < n; ++i) v.push_back(oldest + i * step);
    return v;
  };
  const Row rows[] = {
      {"10 earlier, oldest 24h minus 1s ago", 10, kDay, spread(10, kNow - kDay + 1, kMinute), true},
      {"10 earlier, oldest exactly 24h ago", 10, kDay, spread(10, kNow - kDay, kMinute), false},
      {"9 earlier within 24h", 10, kDay, spread(9, kNow - kHour, kMinute), false},
      {"10 earlier, all two days ago", 10, kDay, spread(10, kNow - 2 * kDay, kMinute), false},
      {"max_foreign 3 within 1h: 3 earlier", 3, kHour, spread(3, kNow - kHour + 1, kMinute), true},
      {"max_foreign 3 within 1h: oldest exactly 1h ago", 3, kHour, spread(3, kNow - kHour, kMinute),
       false},
      {"max_foreign 3 within 1h: 2 earlier", 3, kHour, spread(2, kNow - kMinute, 1), false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Scene s = scene(DeviceBuilder().bound(kHome).foreign(r.earlier));
    s.cfg.suspicious.max_foreign = r.max_foreign;
    s.cfg.suspicious.within = r.within;
    Decision d = decide_in(s, kAway);
    REQUIRE(d.device);
    CHECK(line(d) == "deny locked");
    CHECK(d.device->blocked == r.blocks);
    CHECK(d.binding_changed == r.blocks);
    // What is kept is what lies within `within`, this fetch included.
    for (const ForeignFetch& f : d.device->foreign) CHECK(f.at > kNow - r.within);
    CHECK(d.device->foreign.back().at == kNow);
  }
}

TEST_CASE("policy: the foreign-fetch log stays bounded") {
  Config cfg;
  Device d = locked_device();
  // One foreign fetch every 3h, each from another address, never reaches 11
  // within 24h; 1000 of them.
  for (int i = 0; i < 1000; ++i) {
    const std::string from =
        "198.51." + std::to_string(100 + i / 200) + "." + std::to_string(1 + i % 200);
    Decision out = decide_in(scene(d), from.c_str(), kNow + i * 3 * kHour);
    REQUIRE(out.device);
    d = *out.device;
    REQUIRE_FALSE(d.blocked);
    REQUIRE(d.foreign.size() <= static_cast<std::size_t>(cfg.suspicious.max_foreign) + 1);
  }
  CHECK(d.denied == 1000);
}

TEST_CASE("policy: a forced unlock lets a blocked device through and lifts the block") {
  std::vector<UnixTime> foreign;
  for (int i = 0; i < 11; ++i) foreign.push_back(kNow - 2 * kHour + i * kMinute);
  Scene s = scene(DeviceBuilder()
                      .bound(kHome)
                      .blocked(kNow - kHour)
                      .foreign(foreign)
                      .unlocked_until(kNow + 7 * kDay));
  Config cfg;
  CHECK(state_of(*s.device, {}, cfg, kNow) == State::unlocked);

  Decision d = decide_in(s, kAway);
  REQUIRE(d.device);
  CHECK(line(d) == "allow unlocked");
  CHECK(d.binding_changed);
  CHECK_FALSE(d.device->blocked);
  CHECK_FALSE(d.device->blocked_at.has_value());
  CHECK(d.device->foreign.empty());
  CHECK_FALSE(d.device->unlock_until.has_value());
  CHECK(d.device->bound_ip == parse_ip(kAway));
  CHECK(state_of(*d.device, {}, cfg, kNow) == State::locked);
  CHECK(line(decide_in(scene(*d.device), kAway, kNow + 1)) == "allow same-ip");
  // The earlier foreign fetches are forgotten: one more does not block again.
  Decision again = decide_in(scene(*d.device), kHome, kNow + 2);
  REQUIRE(again.device);
  CHECK(line(again) == "deny locked");
  CHECK_FALSE(again.device->blocked);
}

TEST_CASE("policy: a forced unlock of a blocked device is in force while now < until") {
  auto at = [](UnixTime until) {
    return line(
        decide_in(scene(DeviceBuilder().bound(kHome).blocked().unlocked_until(until)), kAway));
  };
  CHECK(at(kNow + 1) == "allow unlocked");
  CHECK(at(kNow) == "deny blocked");
  CHECK(at(kNow - 1) == "deny blocked");
}

TEST_CASE("policy: every decision that reaches a device updates last_seen, last_ip, counters") {
  struct Row {
    const char* name;
    Scene scene;
    const char* from;
    bool authenticated;
    const char* expect;
  };
  Scene window = scene(DeviceBuilder().bound(kHome).counters(5, 3));
  window.window = window_for(kAway);
  const Row rows[] = {
      {"same-ip", scene(DeviceBuilder().bound(kHome).counters(5, 3)), kHome, false,
       "allow same-ip"},
      {"first-provision", scene(DeviceBuilder().counters(5, 3)), kAway, false,
       "allow first-provision"},
      {"window", window, kAway, false, "allow window"},
      {"authenticated", scene(DeviceBuilder().bound(kHome).counters(5, 3)), kAway, true,
       "allow authenticated"},
      {"unlocked", scene(DeviceBuilder().bound(kHome).unlocked_until(kNow + 1).counters(5, 3)),
       kAway, false, "allow unlocked"},
      {"locked", scene(DeviceBuilder().bound(kHome).counters(5, 3)), kAway, false, "deny locked"},
      {"blocked", scene(DeviceBuilder().bound(kHome).blocked().counters(5, 3)), kAway, false,
       "deny blocked"},
      {"stale", scene(DeviceBuilder().registered(kNow - 30 * kDay).counters(5, 3)), kAway, false,
       "deny stale-registration"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Decision d = decide_in(r.scene, r.from, kNow, r.authenticated);
    REQUIRE(d.device);
    CHECK(line(d) == r.expect);
    CHECK(d.device->last_seen == kNow);
    CHECK(d.device->last_ip == parse_ip(r.from));
    CHECK(d.device->allowed == (d.allow ? 6u : 5u));
    CHECK(d.device->denied == (d.allow ? 3u : 4u));
    // The identity of the device never changes.
    CHECK(d.device->mac == r.scene.device->mac);
    CHECK(d.device->registered == r.scene.device->registered);
    CHECK(d.device->account == r.scene.device->account);
  }
}

TEST_CASE("policy: binding_changed is true exactly when who may fetch changes") {
  struct Row {
    const char* name;
    Scene scene;
    const char* from;
    bool authenticated;
    const char* expect;
    bool changed;
  };
  Scene rebinding_window = scene(locked_device());
  rebinding_window.window = window_for(kAway);
  Scene unlock_all_scene = scene(locked_device());
  unlock_all_scene.unlock_alls = unlock_all();
  Scene banned = scene(locked_device());
  banned.banned = true;
  std::vector<UnixTime> ten;
  for (int i = 0; i < 10; ++i) ten.push_back(kNow - kHour + i);

  const Row rows[] = {
      {"same-ip", scene(locked_device()), kHome, false, "allow same-ip", false},
      {"first-provision", scene(new_device()), kAway, false, "allow first-provision", true},
      {"window to a new ip", rebinding_window, kAway, false, "allow window", true},
      {"explicit unlock used up", scene(DeviceBuilder().bound(kHome).unlocked_until(kNow + kDay)),
       kHome, false, "allow unlocked", true},
      {"unlock-all used up", unlock_all_scene, kHome, false, "allow unlock-all", true},
      {"authenticated, ip moved", scene(locked_device()), kAway, true, "allow authenticated", true},
      {"authenticated, same ip", scene(locked_device()), kHome, true, "allow authenticated", false},
      {"locked, not yet blocking", scene(locked_device()), kAway, false, "deny locked", false},
      {"locked, blocking", scene(DeviceBuilder().bound(kHome).foreign(ten)), kAway, false,
       "deny locked", true},
      {"blocked", scene(blocked_device()), kAway, false, "deny blocked", false},
      {"stale", scene(stale_device()), kAway, false, "deny stale-registration", false},
      {"banned", banned, kAway, false, "deny banned", false},
      {"unknown", scene(std::nullopt), kAway, false, "deny unknown-device", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Decision d = decide_in(r.scene, r.from, kNow, r.authenticated);
    CHECK(line(d) == r.expect);
    CHECK(d.binding_changed == r.changed);
  }
}

// The device is already bound to the window's address and holds no unlock:
// the fetch leaves who may fetch exactly as it was.
TEST_CASE("policy: a window fetch from the ip already bound changes no binding") {
  Scene s = scene(locked_device());
  s.window = window_for(kHome);
  Decision d = decide_in(s, kHome);
  REQUIRE(d.device);
  CHECK(line(d) == "allow window");
  CHECK(d.device->bound_ip == parse_ip(kHome));
  CHECK_FALSE(d.binding_changed);
}

TEST_CASE("policy: a window admits a device from within its prefix only, while open") {
  const Window w = window_for(kAway, kAllAccounts, kNow - kHour, kNow + kHour);
  const Device d = locked_device();
  CHECK(window_admits(w, d, parse_ip(kAway), kNow));
  CHECK_FALSE(window_admits(w, d, parse_ip(kHome), kNow));
  CHECK(window_admits(w, d, parse_ip(kAway), kNow + kHour - 1));
  CHECK_FALSE(window_admits(w, d, parse_ip(kAway), kNow + kHour));
  CHECK_FALSE(window_admits(w, d, parse_ip(kAway), kNow - kHour - 1));
  CHECK(window_open(w, kNow - kHour));
  CHECK_FALSE(window_open(w, kNow - kHour - 1));
  // The scope still decides.
  CHECK_FALSE(window_admits(window_for(kAway, "acme"), d, parse_ip(kAway), kNow));
  // A window of a prefix: any address within it.
  const Window w24 = window_for("198.51.100.0/24");
  CHECK(window_admits(w24, d, parse_ip("198.51.100.200"), kNow));
  CHECK_FALSE(window_admits(w24, d, parse_ip("198.51.101.7"), kNow));
}

namespace {


Identity user(const std::string& name) {
  Identity id;
  id.user = name;
  return id;
}

Identity certificate(const char* mac) {
  Identity id;
  id.certificate = parse_mac(mac);
  return id;
}

}  // namespace

TEST_CASE("policy: a user name opens only its own device (SPEC v2 §4 step 3)") {
  Device d = DeviceBuilder().bound(kHome).account("acme");
  d.user = "desk-4";
  const Scene s = scene(d);

  SUBCASE("the device's MAC, in any accepted form, or its user: allowed from anywhere, re-bound") {
    for (const char* name : {"001122aabbcc", "00:11:22:AA:BB:CC", "0011.22aa.bbcc", "desk-4"}) {
      CAPTURE(name);
      const Decision got = decide_as(s, kAway, user(name));
      CHECK(line(got) == "allow authenticated");
      REQUIRE(got.device);
      CHECK(got.device->bound_ip == parse_ip(kAway));
      CHECK(got.binding_changed);
    }
  }
  SUBCASE("anyone else's name: auth-mismatch, even from the bound address, and nothing moves") {
    for (const char* name : {"001565aa0001", "desk-5", "acme", "DESK-4", " desk-4"}) {
      for (const char* from : {kAway, kHome}) {
        CAPTURE(name);
        CAPTURE(from);
        const Decision got = decide_as(s, from, user(name));
        CHECK(line(got) == "deny auth-mismatch");
        REQUIRE(got.device);
        CHECK(got.device->bound_ip == parse_ip(kHome));
        CHECK(got.device->foreign.empty());  // the address is counted, not the device attacked
        CHECK_FALSE(got.binding_changed);
        CHECK(got.device->denied == 1);
      }
    }
  }
  SUBCASE("an account name is the device's only with auth.account_users") {
    CHECK(line(decide_as(s, kAway, user("acme"))) == "deny auth-mismatch");
    Scene per_customer = s;
    per_customer.cfg.auth.account_users = true;
    CHECK(line(decide_as(per_customer, kAway, user("acme"))) == "allow authenticated");
    CHECK(line(decide_as(per_customer, kAway, user("other"))) == "deny auth-mismatch");
    // A device without an account has no account credential.
    Scene no_account = scene(DeviceBuilder().bound(kHome));
    no_account.cfg.auth.account_users = true;
    CHECK(line(decide_as(no_account, kAway, user("acme"))) == "deny auth-mismatch");
  }
  SUBCASE("a certificate naming the device is its identity; naming another is not") {
    CHECK(line(decide_as(s, kAway, certificate("001122aabbcc"))) == "allow authenticated");
    CHECK(line(decide_as(s, kAway, certificate("001565aa0001"))) == "deny auth-mismatch");
    // One own part is enough.
    Identity both = certificate("001122aabbcc");
    both.user = "someone";
    CHECK(line(decide_as(s, kAway, both)) == "allow authenticated");
  }
  SUBCASE("steps 1 and 2 come first") {
    Scene banned = s;
    banned.banned = true;
    CHECK(line(decide_as(banned, kAway, user("desk-5"))) == "deny banned");
    CHECK(line(decide_as(scene(std::nullopt), kAway, user("desk-5"))) == "deny unknown-device");
  }
  SUBCASE("a mismatch beats windows and unlocks: someone else's credentials move nothing") {
    Scene open = s;
    open.window = window_for(kAway);
    open.unlock_alls = unlock_all();
    CHECK(line(decide_as(open, kAway, user("desk-5"))) == "deny auth-mismatch");
    CHECK(line(decide_as(open, kAway, Identity{})) == "allow window");
  }
}

TEST_CASE("policy: a blocked device keeps its binding and its own identity (SPEC v2 §3)") {
  Device d = DeviceBuilder().bound(kHome).blocked();
  d.user = "desk-4";
  Scene s = scene(d);
  s.window = window_for(kAway);
  s.unlock_alls = unlock_all();

  const Decision home = decide_as(s, kHome, Identity{});
  CHECK(line(home) == "allow same-ip");
  REQUIRE(home.device);
  CHECK(home.device->blocked);
  CHECK_FALSE(home.binding_changed);

  // Its credentials re-bind it; the hold stays for the operator.
  const Decision own = decide_as(s, kAway, user("desk-4"));
  CHECK(line(own) == "allow authenticated");
  REQUIRE(own.device);
  CHECK(own.device->bound_ip == parse_ip(kAway));
  CHECK(own.device->blocked);
  CHECK(own.binding_changed);
  CHECK(own.device->unlock_all_seen == 0);  // the unlock-all was not used

  // Anyone else: denied, and the attempt is recorded.
  const Decision away = decide_as(s, "203.0.113.50", Identity{});
  CHECK(line(away) == "deny blocked");
  REQUIRE(away.device);
  REQUIRE(away.device->foreign.size() == 1);
  CHECK(away.device->foreign[0].ip == parse_ip("203.0.113.50"));
  CHECK(away.device->bound_ip == parse_ip(kHome));
}

TEST_CASE("policy: only foreign fetches from distinct addresses block a device (SPEC v2 §5)") {
  auto run_fetches = [](Scene s, const std::vector<std::string>& from) {
    Decision d;
    for (std::size_t i = 0; i < from.size(); ++i) {
      d = decide_as(s, from[i].c_str(), Identity{}, kNow + static_cast<UnixTime>(i) * kMinute);
      s.device = d.device;
    }
    return *s.device;
  };
  const Scene s = scene(locked_device());
  // 100 fetches from one address: never blocked, one entry.
  const Device one = run_fetches(s, std::vector<std::string>(100, kAway));
  CHECK_FALSE(one.blocked);
  CHECK(one.foreign.size() == 1);
  // Ten distinct addresses, each many times: not blocked; the eleventh blocks.
  std::vector<std::string> ten;
  for (int rep = 0; rep < 3; ++rep)
    for (int i = 1; i <= 10; ++i) ten.push_back("198.51.100." + std::to_string(i));
  const Device at_ten = run_fetches(s, ten);
  CHECK_FALSE(at_ten.blocked);
  CHECK(at_ten.foreign.size() == 10);
  ten.push_back("198.51.100.11");
  const Device at_eleven = run_fetches(s, ten);
  CHECK(at_eleven.blocked);
  CHECK(at_eleven.blocked_at == kNow + 30 * kMinute);
  // IPv6: addresses of one /64 (ban.ipv6_prefix) are one address.
  std::vector<std::string> one_64;
  for (int i = 1; i <= 20; ++i) one_64.push_back("2001:db8:1:2::" + std::to_string(i));
  const Device v6 = run_fetches(s, one_64);
  CHECK_FALSE(v6.blocked);
  CHECK(v6.foreign.size() == 1);
  std::vector<std::string> many_64;
  for (int i = 1; i <= 11; ++i) many_64.push_back("2001:db8:1:" + std::to_string(i) + "::1");
  CHECK(run_fetches(s, many_64).blocked);
}
