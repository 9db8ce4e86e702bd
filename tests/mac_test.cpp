#include "lib/mac.hpp"

#include <doctest/doctest.h>

#include <string>

#include "lib/error.hpp"

using provlock::Error;
using provlock::Exit;
using provlock::Mac;
using provlock::parse_mac;
using provlock::try_parse_mac;

namespace {

// Checks that `text` is refused by both entry points, with exit 65 and a message
// that names the value and contains `reason`.
void check_rejected(const std::string& text, const std::string& reason) {
  CAPTURE(text);
  CHECK_FALSE(try_parse_mac(text).has_value());
  CHECK_THROWS_AS(parse_mac(text), Error);
  try {
    parse_mac(text);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::data);
    const std::string message = e.what();
    CHECK(message.starts_with("invalid MAC address '"));
    CHECK(message.find(reason) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}

}  // namespace

TEST_CASE("mac: the four forms name the same address") {
  for (const char* text :
       {"001122aabbcc", "00:11:22:aa:bb:cc", "00-11-22-aa-bb-cc", "0011.22aa.bbcc"}) {
    CAPTURE(text);
    const Mac mac = parse_mac(text);
    CHECK(mac.value == 0x001122aabbccULL);
    CHECK(mac.str() == "001122aabbcc");
    CHECK(try_parse_mac(text) == mac);
  }
}

TEST_CASE("mac: hex digits are case-insensitive and print lowercase") {
  for (const char* text :
       {"001122AABBCC", "00:11:22:AA:BB:CC", "00-11-22-Aa-bB-cc", "0011.22AA.bbCC"}) {
    CAPTURE(text);
    CHECK(parse_mac(text).str() == "001122aabbcc");
  }
}

TEST_CASE("mac: str keeps leading zeros") {
  CHECK(Mac{0x000000000002ULL}.str() == "000000000002");
  CHECK(Mac{0x0a0b0c0d0e0fULL}.str() == "0a0b0c0d0e0f");
}

TEST_CASE("mac: locally administered unicast addresses are accepted") {
  CHECK(parse_mac("02:00:00:00:00:01").str() == "020000000001");
  CHECK(parse_mac("fe:ff:ff:ff:ff:ff").str() == "feffffffffff");
  CHECK(parse_mac("000000000001").value == 1);
}

TEST_CASE("mac: malformed text is rejected") {
  const std::string reason = "not 12 hex digits";
  for (const char* text : {
           "",
           "xyz",
           "001122aabbc",           // 11 digits
           "001122aabbccd",         // 13 digits
           "00:11:22:aa:bb",        // 5 groups
           "00:11:22:aa:bb:cc:dd",  // 7 groups
           "00:11:22:aa:bb:cc:",    // trailing separator
           ":00:11:22:aa:bb:cc",    // leading separator
           "00:11-22:aa:bb:cc",     // mixed separators
           "00-11-22-aa-bb:cc",     // mixed separators
           "0011:22aa:bbcc",        // Cisco grouping with colons
           "0011-22aa-bbcc",        // Cisco grouping with dashes
           "00.11.22.aa.bb.cc",     // dots between octets
           "001.122.aab.bcc",       // misplaced dots
           "0:11:22:aa:bb:ccc",     // misplaced colon
           "00:1122:aa:bb:cc",      // missing separator
           "00:11:22:aa:bb:cg",     // not hex
           "0x001122aabbcc",        // prefix
           " 001122aabbcc",         // whitespace
           "001122aabbcc ",
           "001122aabbcc\n",
           "00 11 22 aa bb cc",
       }) {
    check_rejected(text, reason);
  }
}

TEST_CASE("mac: the all-zero address is rejected in every form") {
  for (const char* text :
       {"000000000000", "00:00:00:00:00:00", "00-00-00-00-00-00", "0000.0000.0000"}) {
    check_rejected(text, "all-zero");
  }
}

TEST_CASE("mac: the all-ones address is rejected in every form") {
  for (const char* text :
       {"ffffffffffff", "FF:FF:FF:FF:FF:FF", "ff-ff-ff-ff-ff-ff", "ffff.ffff.ffff"}) {
    check_rejected(text, "all-ones");
  }
}

TEST_CASE("mac: group (multicast) addresses are rejected") {
  for (const char* text : {
           "01:00:5e:00:00:01",  // IPv4 multicast
           "33:33:00:00:00:01",  // IPv6 multicast
           "01-80-c2-00-00-00",  // spanning tree
           "030000000000",       // locally administered group
           "ff:ff:ff:ff:ff:fe",  // group bit set, not broadcast
       }) {
    check_rejected(text, "group (multicast) address");
  }
}

TEST_CASE("mac: the message names the value and stays on one line") {
  try {
    parse_mac("xyz");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).starts_with("invalid MAC address 'xyz': not 12 hex digits"));
  }
  try {
    parse_mac("01005e000001");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "invalid MAC address '01005e000001': group (multicast) address");
  }
  try {
    parse_mac("ab\ncd\x1b");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).starts_with("invalid MAC address 'ab\\x0acd\\x1b':"));
  }
  try {
    parse_mac(std::string(1000, 'a'));
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).size() < 300);
  }
}

TEST_CASE("mac: addresses order by value") {
  CHECK(parse_mac("001122aabbcc") < parse_mac("001122aabbcd"));
  CHECK(parse_mac("00:11:22:aa:bb:cc") == parse_mac("0011.22AA.BBCC"));
}
