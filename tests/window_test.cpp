// SPEC §6 prefix windows: what `window open IP|CIDR` and `window close`
// name.
#include "lib/window.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lib/error.hpp"

using namespace provlock;

namespace {

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
