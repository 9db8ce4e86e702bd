// IP addresses and prefixes as SPEC §2 accepts them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provlock {

// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
// always held as the IPv4 address a.b.c.d.
struct Ip {
  enum class Family : std::uint8_t { v4, v6 };
  Family family = Family::v4;
  // v4: bytes[0..3] hold the address, the rest is zero. v6: all 16 bytes.
  std::array<std::uint8_t, 16> bytes{};

  bool is_v4() const { return family == Family::v4; }
  int bits() const { return is_v4() ? 32 : 128; }

  // Dotted quad for v4; RFC 5952 canonical text for v6 (lowercase, longest run
  // of two or more zero groups as "::", leftmost on a tie, no leading zeros).
  std::string str() const;

  auto operator<=>(const Ip&) const = default;
};

// Parses a dotted quad (exactly four decimal parts 0-255, no leading zeros
// beyond a single "0") or any RFC 4291 text form of IPv6, including embedded
// IPv4 in the last 32 bits (itself a strict dotted quad) and "::" standing for
// a single zero group. Zone ids ("%eth0"), brackets, whitespace and anything
// else give nullopt.
std::optional<Ip> try_parse_ip(std::string_view text);

// As try_parse_ip, but throws Error(Exit::data) naming the value, e.g.
// "invalid IP address 'fe80::1%eth0': zone ids are not accepted".
Ip parse_ip(std::string_view text);

// A network: an address with all bits past `length` cleared.
struct Prefix {
  Ip network;
  int length = 32;  // 0..32 for v4, 0..128 for v6

  bool contains(const Ip& ip) const;
  // "192.0.2.0/24", "2001:db8::/64"; a full-length prefix prints as a plain
  // address with its length ("192.0.2.7/32").
  std::string str() const;

  auto operator<=>(const Prefix&) const = default;
};

// The prefix of `length` bits containing `ip` (length is clamped to
// 0..the family's width).
Prefix prefix_of(const Ip& ip, int length);

// Parses "ADDR" (a full-length prefix) or "ADDR/LEN", LEN plain decimal with
// no sign or leading zero. Host bits past LEN are cleared, not refused. A
// v4-mapped v6 address with a length takes length - 96 (so LEN must be
// 96..128) and becomes an IPv4 prefix. Throws
// Error(Exit::data) naming the value on any error (bad address, bad or
// out-of-range length).
Prefix parse_prefix(std::string_view text);

}  // namespace provlock
