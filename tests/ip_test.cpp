#include "lib/ip.hpp"

#include <doctest/doctest.h>

#include <string>

#include "lib/error.hpp"

using provlock::Error;
using provlock::Exit;
using provlock::Ip;
using provlock::parse_ip;
using provlock::parse_prefix;
using provlock::Prefix;
using provlock::prefix_of;
using provlock::try_parse_ip;

namespace {

// Checks that `text` is refused by both entry points, with exit 65 and a message
// that names the value and contains `reason`.
void check_ip_rejected(const std::string& text, const std::string& reason) {
  CAPTURE(text);
  CHECK_FALSE(try_parse_ip(text).has_value());
  CHECK_THROWS_AS(parse_ip(text), Error);
  try {
    parse_ip(text);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::data);
    const std::string message = e.what();
    CHECK(message.starts_with("invalid IP address '"));
    CHECK(message.find(reason) != std::string::npos);
  }
}

void check_prefix_rejected(const std::string& text, const std::string& reason) {
  CAPTURE(text);
  CHECK_THROWS_AS(parse_prefix(text), Error);
  try {
    parse_prefix(text);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::data);
    const std::string message = e.what();
    CHECK(message.starts_with("invalid prefix '"));
    CHECK(message.find(reason) != std::string::npos);
  }
}

// Parses `text` and returns its printed form, so tables read input -> output.
std::string canonical(const std::string& text) {
  return parse_ip(text).str();
}

}  // namespace

TEST_CASE("ip: dotted quads") {
  const Ip ip = parse_ip("192.0.2.1");
  CHECK(ip.is_v4());
  CHECK(ip.bits() == 32);
  CHECK(ip.bytes[0] == 192);
  CHECK(ip.bytes[3] == 1);
  CHECK(ip.bytes[4] == 0);
  CHECK(ip.str() == "192.0.2.1");
  CHECK(canonical("0.0.0.0") == "0.0.0.0");
  CHECK(canonical("255.255.255.255") == "255.255.255.255");
  CHECK(canonical("10.0.0.100") == "10.0.0.100");
  CHECK(try_parse_ip("198.51.100.7") == parse_ip("198.51.100.7"));
}

TEST_CASE("ip: malformed dotted quads are rejected") {
  check_ip_rejected("010.1.1.1", "leading zero");
  check_ip_rejected("1.1.1.00", "leading zero");
  check_ip_rejected("256.1.1.1", "out of range");
  check_ip_rejected("1.1.1.999", "out of range");
  for (const char* text : {"1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.-4",
                           "1.2.3.+4", "1234.1.1.1", "a.b.c.d", "0x7f.0.0.1", "1.2.3.4/24", "."}) {
    check_ip_rejected(text, "dotted quad");
  }
  check_ip_rejected("", "empty");
  check_ip_rejected("localhost", "neither");
  check_ip_rejected("1.2.3.4 ", "whitespace");
  check_ip_rejected(" 1.2.3.4", "whitespace");
  check_ip_rejected("1.2.3.4\n", "whitespace");
}

TEST_CASE("ip: IPv6 text forms print as RFC 5952") {
  struct Row {
    const char* in;
    const char* out;
  };
  for (const Row& row : {
           Row{"2001:db8::1", "2001:db8::1"},
           Row{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
           Row{"2001:0db8::0001", "2001:db8::1"},
           Row{"2001:DB8::ABCD", "2001:db8::abcd"},
           Row{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // leftmost of equal runs
           Row{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group stays
           Row{"2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},   // '::' for one group
           Row{"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},      // longest run wins
           Row{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},                 // longest run wins
           Row{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
           Row{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
           Row{"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
           Row{"::", "::"},
           Row{"0:0:0:0:0:0:0:0", "::"},
           Row{"::1", "::1"},
           Row{"1::", "1::"},
           Row{"fe80::", "fe80::"},
           Row{"FE80:0:0:0:0202:B3FF:FE1E:8329", "fe80::202:b3ff:fe1e:8329"},
           Row{"0:0:0:0:1::", "::1:0:0:0"},
           Row{"::192.0.2.1", "::c000:201"},  // IPv4-compatible stays v6
           Row{"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
           Row{"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
           Row{"::ffff:1:2:3", "::ffff:1:2:3"},  // not v4-mapped
           Row{"::fffe:192.0.2.1", "::fffe:c000:201"},
       }) {
    CAPTURE(row.in);
    const Ip ip = parse_ip(row.in);
    CHECK_FALSE(ip.is_v4());
    CHECK(ip.bits() == 128);
    CHECK(ip.str() == row.out);
    CHECK(parse_ip(ip.str()) == ip);
  }
}

TEST_CASE("ip: v4-mapped IPv6 becomes the IPv4 address") {
  for (const char* text : {"::ffff:192.0.2.1", "::FFFF:192.0.2.1", "0:0:0:0:0:ffff:192.0.2.1",
                           "::ffff:c000:201", "0000:0000:0000:0000:0000:ffff:c000:0201"}) {
    CAPTURE(text);
    const Ip ip = parse_ip(text);
    CHECK(ip.is_v4());
    CHECK(ip.str() == "192.0.2.1");
    CHECK(ip == parse_ip("192.0.2.1"));
  }
  CHECK(parse_ip("::ffff:0:0") == parse_ip("0.0.0.0"));
}

TEST_CASE("ip: malformed IPv6 is rejected") {
  check_ip_rejected("fe80::1%eth0", "zone ids are not accepted");
  check_ip_rejected("fe80::1%25eth0", "zone ids");
  check_ip_rejected("::ffff:1.2.3.4%eth0", "zone ids");
  check_ip_rejected("[2001:db8::1]", "brackets");
  check_ip_rejected("[2001:db8::1]:80", "brackets");
  check_ip_rejected("2001:db8::1 ", "whitespace");
  check_ip_rejected("1:2:3:4:5:6:7:8:9", "too many groups");
  check_ip_rejected("1:2:3:4:5:6:7:8::", "too many groups");
  check_ip_rejected("::1:2:3:4:5:6:7:8", "too many groups");
  check_ip_rejected("1:2:3:4::5:6:7:8", "too many groups");
  check_ip_rejected("1:2:3:4:5:6:7:1.2.3.4", "too many groups");
  check_ip_rejected("1:2:3:4:5:6:7", "too few groups");
  check_ip_rejected("1:2:3:4:5:1.2.3.4", "too few groups");
  check_ip_rejected("1::2::3", "more than one '::'");
  check_ip_rejected("::1::", "more than one '::'");
  check_ip_rejected(":::", "':::'");
  check_ip_rejected("1:::2", "':::'");
  check_ip_rejected(":", "empty group");
  check_ip_rejected(":1::2", "empty group");
  check_ip_rejected("1::2:", "empty group");
  check_ip_rejected("1:2:3:4:5:6:7:8:", "empty group");
  check_ip_rejected(":1:2:3:4:5:6:7:8", "empty group");
  check_ip_rejected("12345::", "more than 4 hex digits");
  check_ip_rejected("g::1", "not a hex digit");
  check_ip_rejected("::1.2.3", "embedded IPv4");
  check_ip_rejected("::256.0.0.1", "embedded IPv4");
  check_ip_rejected("::ffff:010.0.0.1", "leading zero");
  check_ip_rejected("::1.2.3.4:5", "not a hex digit");
  check_ip_rejected("1.2.3.4::", "not a hex digit");
  check_ip_rejected("::-1", "not a hex digit");
}

TEST_CASE("ip: v4 and v6 addresses never compare equal") {
  CHECK(parse_ip("::c000:201") != parse_ip("192.0.2.1"));
  CHECK(parse_ip("10.0.0.1") < parse_ip("10.0.0.2"));
}

TEST_CASE("prefix: parse and print") {
  const Prefix net = parse_prefix("192.0.2.0/24");
  CHECK(net.length == 24);
  CHECK(net.network == parse_ip("192.0.2.0"));
  CHECK(net.str() == "192.0.2.0/24");
  CHECK(parse_prefix("192.0.2.7").str() == "192.0.2.7/32");
  CHECK(parse_prefix("192.0.2.7/32").str() == "192.0.2.7/32");
  CHECK(parse_prefix("0.0.0.0/0").str() == "0.0.0.0/0");
  CHECK(parse_prefix("2001:db8::/64").str() == "2001:db8::/64");
  CHECK(parse_prefix("2001:db8::1").str() == "2001:db8::1/128");
  CHECK(parse_prefix("2001:db8::1/128").str() == "2001:db8::1/128");
  CHECK(parse_prefix("::/0").str() == "::/0");
}

TEST_CASE("prefix: host bits past the length are cleared") {
  CHECK(parse_prefix("192.0.2.77/24").str() == "192.0.2.0/24");
  CHECK(parse_prefix("10.1.2.3/0").str() == "0.0.0.0/0");
  CHECK(parse_prefix("10.255.255.255/9").str() == "10.128.0.0/9");
  CHECK(parse_prefix("172.31.255.1/12").str() == "172.16.0.0/12");
  CHECK(parse_prefix("2001:db8:1:2:3:4:5:6/64").str() == "2001:db8:1:2::/64");
  CHECK(parse_prefix("2001:db8:ffff:ffff::/33").str() == "2001:db8:8000::/33");
  CHECK(parse_prefix("2001:db8::ffff/127").str() == "2001:db8::fffe/127");
  CHECK(parse_prefix("ffff::/0").str() == "::/0");
}

TEST_CASE("prefix: v4-mapped addresses count their length in IPv6 bits") {
  CHECK(parse_prefix("::ffff:192.0.2.0/120").str() == "192.0.2.0/24");
  CHECK(parse_prefix("::ffff:192.0.2.9/128").str() == "192.0.2.9/32");
  CHECK(parse_prefix("::ffff:192.0.2.9").str() == "192.0.2.9/32");
  CHECK(parse_prefix("::ffff:0:0/96").str() == "0.0.0.0/0");
  check_prefix_rejected("::ffff:192.0.2.0/95", "length must be 96-128");
  check_prefix_rejected("::ffff:192.0.2.0/129", "length must be 96-128");
  check_prefix_rejected("::ffff:192.0.2.0/24", "length must be 96-128");
}

TEST_CASE("prefix: bad addresses and lengths are rejected") {
  check_prefix_rejected("10.0.0.0/33", "length must be 0-32");
  check_prefix_rejected("2001:db8::/129", "length must be 0-128");
  for (const char* text :
       {"10.0.0.0/-1", "10.0.0.0/abc", "10.0.0.0/", "10.0.0.0/24/8", "10.0.0.0/+8", "10.0.0.0/08",
        "10.0.0.0/ 8", "10.0.0.0/8 ", "10.0.0.0/1000", "10.0.0.0/2.5"}) {
    check_prefix_rejected(text, "length must be 0-32");
  }
  check_prefix_rejected("", "empty");
  check_prefix_rejected("/24", "empty");
  check_prefix_rejected("300.0.0.0/8", "out of range");
  check_prefix_rejected("fe80::%eth0/64", "zone ids");
  check_prefix_rejected("[2001:db8::]/64", "brackets");
}

TEST_CASE("prefix: contains") {
  const Prefix net = parse_prefix("192.0.2.0/24");
  CHECK(net.contains(parse_ip("192.0.2.0")));
  CHECK(net.contains(parse_ip("192.0.2.255")));
  CHECK(net.contains(parse_ip("::ffff:192.0.2.9")));
  CHECK_FALSE(net.contains(parse_ip("192.0.3.0")));
  CHECK_FALSE(net.contains(parse_ip("192.0.1.255")));
  CHECK_FALSE(net.contains(parse_ip("::c000:201")));

  const Prefix host = parse_prefix("192.0.2.7");
  CHECK(host.contains(parse_ip("192.0.2.7")));
  CHECK_FALSE(host.contains(parse_ip("192.0.2.6")));

  const Prefix all_v4 = parse_prefix("0.0.0.0/0");
  CHECK(all_v4.contains(parse_ip("255.255.255.255")));
  CHECK_FALSE(all_v4.contains(parse_ip("::1")));

  const Prefix v6 = parse_prefix("2001:db8:1:2::/64");
  CHECK(v6.contains(parse_ip("2001:db8:1:2:ffff:ffff:ffff:ffff")));
  CHECK_FALSE(v6.contains(parse_ip("2001:db8:1:3::")));
  CHECK_FALSE(v6.contains(parse_ip("192.0.2.1")));
  CHECK(parse_prefix("::/0").contains(parse_ip("2001:db8::1")));
  CHECK_FALSE(parse_prefix("::/0").contains(parse_ip("192.0.2.1")));
  CHECK(parse_prefix("2001:db8::1/128").contains(parse_ip("2001:db8::1")));
  CHECK_FALSE(parse_prefix("2001:db8::1/128").contains(parse_ip("2001:db8::2")));

  // A hand-built prefix with host bits still set matches by its first bits.
  const Prefix loose{parse_ip("10.1.2.3"), 8};
  CHECK(loose.contains(parse_ip("10.200.0.1")));
}

TEST_CASE("prefix: prefix_of") {
  const Ip v6 = parse_ip("2001:db8:1:2:3:4:5:6");
  CHECK(prefix_of(v6, 64).str() == "2001:db8:1:2::/64");
  CHECK(prefix_of(v6, 64).contains(v6));
  CHECK(prefix_of(v6, 128).str() == "2001:db8:1:2:3:4:5:6/128");
  CHECK(prefix_of(v6, 200).length == 128);
  CHECK(prefix_of(v6, 0).str() == "::/0");

  const Ip v4 = parse_ip("198.51.100.77");
  CHECK(prefix_of(v4, 24).str() == "198.51.100.0/24");
  CHECK(prefix_of(v4, 64).str() == "198.51.100.77/32");
  CHECK(prefix_of(v4, -5).str() == "0.0.0.0/0");
  CHECK(prefix_of(v4, 32) == parse_prefix("198.51.100.77"));
  CHECK(prefix_of(v4, 20) == parse_prefix("198.51.100.77/20"));
}
