// SPEC §6 prefix windows: what `window open IP|CIDR` and `window close`
// name, how a window's record is written and read back (and what provlock
// 0.1 wrote), and the decision of §4 step 5 for an address within a prefix,
// to the second.
#include "lib/window.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "lib/error.hpp"
#include "lib/policy.hpp"
#include "lib/records.hpp"
#include "store/file_store.hpp"
#include "store/records_io.hpp"

using namespace provlock;
using nlohmann::json;

namespace {

const UnixTime kNow = parse_time("2026-11-26T12:00:00Z");
constexpr std::int64_t kHour = 3600;
const AccountScope kAllAccounts = std::nullopt;

// The error `f` throws (the test fails when it throws none).
template <class F>
Error error_from(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error thrown");
  return Error(Exit::ok, "");
}

Window window_of(const char* prefix, const AccountScope& account = kAllAccounts,
                 UnixTime opened = kNow - kHour, UnixTime until = kNow + kHour) {
  return Window{parse_prefix(prefix), account, opened, until};
}

// A phone of `account` bound to 192.0.2.10 ten days ago.
Device locked_phone(const std::string& account = "") {
  Device d;
  d.mac = parse_mac("001122aabbcc");
  d.account = account;
  d.registered = kNow - 20 * 86400;
  d.bound_ip = parse_ip("192.0.2.10");
  d.bound_at = d.first_provisioned = kNow - 10 * 86400;
  return d;
}

Decision fetch_from(const char* ip, const Device& d, const std::vector<Window>& windows,
                    UnixTime now = kNow, const Config& cfg = Config{}) {
  FetchRecords r;
  r.device = &d;
  r.windows = windows;
  return decide(Fetch{d.mac, parse_ip(ip), {}}, r, cfg, now);
}

std::string line(const Decision& d) {
  return (d.allow ? "allow " : "deny ") + std::string(token(d.reason));
}

Config bind_v6(int length) {
  Config c;
  c.lock.bind_prefix_v6 = length;
  return c;
}

}  // namespace

TEST_CASE("window: IPv4 takes one address as itself, and CIDRs of /16 to /32") {
  const Config cfg;
  WindowTarget t = window_target("198.51.100.7", cfg);
  CHECK(t.prefix == parse_prefix("198.51.100.7/32"));
  CHECK_FALSE(t.address);
  // Not widened by lock.bind_prefix_v4: SPEC §6 widens IPv6 addresses only.
  Config wide;
  wide.lock.bind_prefix_v4 = 24;
  CHECK(window_target("198.51.100.7", wide).prefix.length == 32);

  CHECK(window_target("198.51.100.0/24", cfg).prefix == parse_prefix("198.51.100.0/24"));
  CHECK(window_target("10.1.0.0/16", cfg).prefix.length == 16);
  CHECK(window_target("198.51.100.7/32", cfg).prefix == t.prefix);
  // Host bits are cleared, as `ban add` clears them; the output names the
  // prefix opened.
  CHECK(window_target("198.51.100.77/24", cfg).prefix == parse_prefix("198.51.100.0/24"));
  // A v4-mapped CIDR is the IPv4 prefix.
  CHECK(window_target("::ffff:198.51.100.0/120", cfg).prefix == parse_prefix("198.51.100.0/24"));
}

TEST_CASE("window: a single IPv6 address opens its binding prefix, and names itself too") {
  WindowTarget t = window_target("2001:db8:2::1", Config{});
  CHECK(t.prefix == parse_prefix("2001:db8:2::/64"));
  REQUIRE(t.address);
  CHECK(*t.address == parse_prefix("2001:db8:2::1/128"));

  t = window_target("2001:db8:2::1", bind_v6(56));
  CHECK(t.prefix == parse_prefix("2001:db8:2::/56"));
  // Bound by the address alone: the prefix is the address.
  t = window_target("2001:db8:2::1", bind_v6(128));
  CHECK(t.prefix == parse_prefix("2001:db8:2::1/128"));
  CHECK_FALSE(t.address);
  // A CIDR is taken as given, whatever the binding width.
  t = window_target("2001:db8:2::/48", Config{});
  CHECK(t.prefix == parse_prefix("2001:db8:2::/48"));
  CHECK_FALSE(t.address);
  CHECK(window_target("2001:db8::/32", Config{}).prefix.length == 32);
  CHECK(window_target("2001:db8::1/128", Config{}).prefix.length == 128);
}

TEST_CASE("window: a prefix wider than /16 (IPv4) or /32 (IPv6) exits 64 naming it") {
  struct Row {
    const char* text;
    Config cfg;
    const char* names;
  };
  const Row rows[] = {
      {"198.51.100.0/15", Config{}, "'198.51.100.0/15'"},
      {"0.0.0.0/0", Config{}, "'0.0.0.0/0'"},
      {"2001:db8::/31", Config{}, "'2001:db8::/31'"},
      {"::/0", Config{}, "'::/0'"},
      // A binding prefix wider than a window may be: the address is refused,
      // not widened that far nor quietly narrowed.
      {"2001:db8::1", bind_v6(31), "lock.bind_prefix_v6"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    const Error e = error_from([&] { window_target(r.text, r.cfg); });
    CHECK(e.code() == Exit::usage);
    const std::string what = e.what();
    CHECK(what.find(r.names) != std::string::npos);
    CHECK(what.find("IPv4 /16 to /32, IPv6 /32 to /128") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

TEST_CASE("window: a value that is neither an IP nor a CIDR exits 65 naming it") {
  for (const char* text :
       {"", "198.51.100.256", "198.51.100.0/33", "198.51.100.0/024", "198.51.100.0/",
        "198.51.100.0/24/8", "fe80::1%eth0", "2001:db8::/129", "acme"}) {
    CAPTURE(text);
    const Error e = error_from([&] { window_target(text, Config{}); });
    CHECK(e.code() == Exit::data);
    CHECK(std::string(e.what()).find(quoted(text)) != std::string::npos);
  }
}

TEST_CASE("window: names and record keys, one per prefix, none with a '/'") {
  CHECK(window_name(parse_prefix("192.0.2.7")) == "192.0.2.7");
  CHECK(window_name(parse_prefix("198.51.100.0/24")) == "198.51.100.0/24");
  CHECK(window_name(parse_prefix("2001:db8::/64")) == "2001:db8::/64");
  CHECK(window_name(parse_prefix("2001:db8::1/128")) == "2001:db8::1/128");
  // window close takes the name back to that window.
  for (const char* p : {"192.0.2.7/32", "198.51.100.0/24", "2001:db8::/64", "2001:db8::1/128"})
    CHECK(window_target(window_name(parse_prefix(p)), bind_v6(64)).prefix == parse_prefix(p));

  // A window of one address keeps the key provlock 0.1 gave it.
  CHECK(store::window_key(parse_prefix("203.0.113.5")) == "203.0.113.5");
  CHECK(store::window_key(parse_prefix("2001:db8::1/128")) == "2001_db8__1");
  CHECK(store::window_key(parse_prefix("198.51.100.0/24")) == "198.51.100.0-24");
  CHECK(store::window_key(parse_prefix("2001:db8:2::/64")) == "2001_db8_2__-64");

  std::set<std::string> keys;
  for (const char* ip : {"198.51.100.0", "2001:db8::"}) {
    const std::vector<Prefix> covering = window_prefixes_covering(parse_ip(ip));
    for (const Prefix& p : covering) {
      const std::string key = store::window_key(p);
      CAPTURE(key);
      CHECK(key.find('/') == std::string::npos);
      CHECK(store::valid_key(key));
      keys.insert(key);
    }
  }
  // 198.51.100.0/16../32 and 2001:db8::/32../128 share a network address
  // each, yet every prefix has a key of its own.
  CHECK(keys.size() == 17 + 97);
}

TEST_CASE("window: the prefixes a window covering an address may have, longest first") {
  const std::vector<Prefix> v4 = window_prefixes_covering(parse_ip("198.51.100.77"));
  REQUIRE(v4.size() == 17);
  CHECK(v4.front() == parse_prefix("198.51.100.77/32"));
  CHECK(v4.back() == parse_prefix("198.51.0.0/16"));
  const std::vector<Prefix> v6 = window_prefixes_covering(parse_ip("2001:db8:2::abcd:1"));
  REQUIRE(v6.size() == 97);
  CHECK(v6.front().length == 128);
  CHECK(v6.back() == parse_prefix("2001:db8::/32"));
  for (const Prefix& p : v6) CHECK(p.contains(parse_ip("2001:db8:2::abcd:1")));
}

TEST_CASE("window: a prefix window admits any address within it, to the second") {
  const Device phone = locked_phone();
  const std::vector<Window> w24 = {window_of("198.51.100.0/24", kAllAccounts, kNow, kNow + kHour)};
  const Decision d = fetch_from("198.51.100.77", phone, w24);
  CHECK(line(d) == "allow window");
  REQUIRE(d.device);
  CHECK(d.device->bound_ip == parse_ip("198.51.100.77"));  // the address it fetched from
  CHECK(d.binding_changed);

  CHECK(line(fetch_from("198.51.100.0", phone, w24)) == "allow window");
  CHECK(line(fetch_from("198.51.100.255", phone, w24)) == "allow window");
  CHECK(line(fetch_from("198.51.101.0", phone, w24)) == "deny locked");
  CHECK(line(fetch_from("198.51.99.255", phone, w24)) == "deny locked");
  // From `opened` up to, not including, `until`.
  CHECK(line(fetch_from("198.51.100.77", phone, w24, kNow - 1)) == "deny locked");
  CHECK(line(fetch_from("198.51.100.77", phone, w24, kNow)) == "allow window");
  CHECK(line(fetch_from("198.51.100.77", phone, w24, kNow + kHour - 1)) == "allow window");
  CHECK(line(fetch_from("198.51.100.77", phone, w24, kNow + kHour)) == "deny locked");

  // A /16, the widest.
  const std::vector<Window> w16 = {window_of("10.20.0.0/16")};
  CHECK(line(fetch_from("10.20.255.1", phone, w16)) == "allow window");
  CHECK(line(fetch_from("10.21.0.1", phone, w16)) == "deny locked");
}

TEST_CASE("window: an IPv6 window of a binding prefix admits the whole /64, never IPv4") {
  Device phone = locked_phone();
  phone.bound_ip = parse_ip("2001:db8:1::5");
  const std::vector<Window> w64 = {Window{window_target("2001:db8:2::1", Config{}).prefix,
                                          kAllAccounts, kNow - kHour, kNow + kHour}};
  const Decision d = fetch_from("2001:db8:2::abcd:1", phone, w64);
  CHECK(line(d) == "allow window");
  CHECK(d.device->bound_ip == parse_ip("2001:db8:2::abcd:1"));
  CHECK(line(fetch_from("2001:db8:2:0:ffff:ffff:ffff:ffff", phone, w64)) == "allow window");
  CHECK(line(fetch_from("2001:db8:2:1::1", phone, w64)) == "deny locked");
  // 0.0.0.0/0's bits as IPv6 are no match for an IPv4 address.
  const std::vector<Window> zeros = {window_of("::/32")};
  CHECK(line(fetch_from("0.0.0.1", phone, zeros)) == "deny locked");
  CHECK(line(fetch_from("::ffff:0.0.0.1", phone, zeros)) == "deny locked");

  // A window of the address alone (as 0.1 opened it) stays that address.
  const std::vector<Window> one = {window_of("2001:db8:2::1")};
  CHECK(line(fetch_from("2001:db8:2::1", phone, one)) == "allow window");
  CHECK(line(fetch_from("2001:db8:2::abcd:1", phone, one)) == "deny locked");
}

TEST_CASE("window: windows add up: any that admits the device lets it in") {
  // An acme /32, within a /24 of another account.
  const std::vector<Window> windows = {window_of("198.51.100.7", std::string("acme")),
                                       window_of("198.51.100.0/24", std::string("other"))};
  CHECK(line(fetch_from("198.51.100.7", locked_phone("acme"), windows)) == "allow window");
  // The narrower acme window does not keep out the other account's devices,
  // which the /24 admits.
  CHECK(line(fetch_from("198.51.100.7", locked_phone("other"), windows)) == "allow window");
  CHECK(line(fetch_from("198.51.100.8", locked_phone("other"), windows)) == "allow window");
  CHECK(line(fetch_from("198.51.100.8", locked_phone("acme"), windows)) == "deny locked");
  CHECK(line(fetch_from("198.51.100.7", locked_phone("third"), windows)) == "deny locked");
  CHECK(line(fetch_from("198.51.100.7", locked_phone(""), windows)) == "deny locked");

  const Device other = locked_phone("other");
  CHECK(admitting_window(windows, other, parse_ip("198.51.100.7"), kNow) == &windows[1]);
  // One that ran out is passed over for one still open.
  std::vector<Window> one_over = {window_of("198.51.100.0/24", kAllAccounts, kNow - kHour, kNow),
                                  window_of("198.51.100.0/25")};
  CHECK(admitting_window(one_over, other, parse_ip("198.51.100.9"), kNow) == &one_over[1]);
  CHECK(admitting_window(one_over, other, parse_ip("198.51.100.200"), kNow) == nullptr);
  CHECK(admitting_window({}, other, parse_ip("198.51.100.9"), kNow) == nullptr);
}

TEST_CASE("window: a blocked device is not let in by a prefix window") {
  Device blocked = locked_phone();
  blocked.blocked = true;
  blocked.blocked_at = kNow - kHour;
  CHECK(line(fetch_from("198.51.100.77", blocked, {window_of("198.51.100.0/24")})) ==
        "deny blocked");
}

TEST_CASE("window: a prefix window's record is format 3; one address's is as 0.1 wrote it") {
  const Window w24 = window_of("198.51.100.0/24");
  const json j = to_json(w24);
  CHECK(j["format"] == kWindowPrefixFormat);
  CHECK(j["prefix"] == "198.51.100.0/24");
  CHECK_FALSE(j.contains("ip"));
  CHECK(j["account"].is_null());  // every account, as format 2 says it
  const Window back = window_from_json(json::parse(j.dump()));
  CHECK(back.prefix == w24.prefix);
  CHECK(back.account == kAllAccounts);
  CHECK(back.opened == w24.opened);
  CHECK(back.until == w24.until);
  CHECK(store::Codec<Window>::key(back) == "198.51.100.0-24");

  for (const AccountScope& scope : {AccountScope("acme"), AccountScope("")}) {
    const json s = to_json(window_of("2001:db8:2::/64", scope));
    CHECK(s["format"] == kWindowPrefixFormat);
    CHECK(window_from_json(s).account == scope);
  }

  const json one = to_json(window_of("198.51.100.7"));
  CHECK(one["format"] == kRecordFormat);
  CHECK(one["ip"] == "198.51.100.7");
  CHECK_FALSE(one.contains("prefix"));
  const json one_v6 = to_json(window_of("2001:db8::1/128", std::string("")));
  CHECK(one_v6["format"] == kScopedRecordFormat);
  CHECK(one_v6["ip"] == "2001:db8::1");
}

TEST_CASE("window: records of 0.1 read as the one address they meant") {
  const json old = json::parse(
      R"({"account":"","format":1,"ip":"2001:db8:2::1","opened":"2026-11-26T11:00:00Z",)"
      R"("until":"2026-11-26T13:00:00Z"})");
  const Window w = window_from_json(old);
  CHECK(w.prefix == parse_prefix("2001:db8:2::1/128"));
  CHECK(store::Codec<Window>::key(w) == "2001_db8_2__1");
  CHECK(to_json(w) == old);  // written back unchanged
  // Its key is the one `window close 2001:db8:2::1` closes beside the /64's.
  const WindowTarget t = window_target("2001:db8:2::1", Config{});
  REQUIRE(t.address);
  CHECK(store::window_key(*t.address) == "2001_db8_2__1");
  CHECK(store::window_key(t.prefix) == "2001_db8_2__-64");

  // Formats 1 and 2 know no "prefix": a reader of theirs ignores one.
  json with_prefix = old;
  with_prefix["prefix"] = "2001:db8::/32";
  CHECK(window_from_json(with_prefix).prefix == w.prefix);
  with_prefix.erase("ip");
  CHECK_THROWS_AS(window_from_json(with_prefix), RecordError);
}

TEST_CASE("window: a format 3 record with a bad or too wide prefix is refused") {
  const json good = to_json(window_of("198.51.100.0/24"));
  auto refused = [&](json j, const std::string& mentions) {
    try {
      window_from_json(j);
      FAIL("accepted: " << j.dump());
    } catch (const RecordError& e) {
      CHECK(std::string(e.what()).find(mentions) != std::string::npos);
    }
  };
  json j = good;
  j["prefix"] = "198.51.0.0/15";
  refused(j, "wider than a window may be");
  j["prefix"] = "2001:db8::/31";
  refused(j, "wider than a window may be");
  j["prefix"] = "198.51.100.0/33";
  refused(j, "prefix");
  j["prefix"] = 24;
  refused(j, "prefix");
  j = good;
  j["ip"] = "198.51.100.0";
  refused(j, "both");
  j = good;
  j.erase("prefix");
  refused(j, "prefix");
  j = good;
  j.erase("account");  // format 3 says every account with null, as format 2
  refused(j, "account");
  j = good;
  j["format"] = kWindowPrefixFormat + 1;
  refused(j, "newer");
  // A format 3 record may name one address with "ip".
  j = to_json(window_of("198.51.100.7"));
  j["format"] = kWindowPrefixFormat;
  j["account"] = nullptr;
  CHECK(window_from_json(j).prefix == parse_prefix("198.51.100.7/32"));
}
