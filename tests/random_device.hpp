// Random devices for the unit tests of the forms a device is written in
// (records, listing rows, record text), and a field-by-field comparison.
#pragma once

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "lib/records.hpp"

namespace provlock::testing {

// Every member of a device, in the order declared, as a tuple of references.
// A structured binding must name every member, so this stops compiling when
// a member is added to Device or removed from it, until it is named here:
// same_device, and the tests that check that every member is written and
// read back, cannot miss one.
inline auto members(const Device& d) {
  const auto& [mac, account, label, user, registered, bound_ip, bound_at, first_provisioned,
               unlock_until, unlock_all_seen, blocked, blocked_at, foreign, last_seen, last_ip,
               allowed, denied] = d;
  return std::tie(mac, account, label, user, registered, bound_ip, bound_at, first_provisioned,
                  unlock_until, unlock_all_seen, blocked, blocked_at, foreign, last_seen, last_ip,
                  allowed, denied);
}

inline bool same_device(const Device& a, const Device& b) {
  return members(a) == members(b);
}

// For each member of a device, in the order declared, whether `a` and `b`
// differ in it.
inline std::vector<bool> differing_members(const Device& a, const Device& b) {
  return std::apply(
      [&](const auto&... x) {
        return std::apply([&](const auto&... y) { return std::vector<bool>{(x != y)...}; },
                          members(b));
      },
      members(a));
}

// Every member of an address record, as members() does for a device.
inline auto members(const AddressRecord& a) {
  const auto& [prefix, attempts, banned_since, banned_until, reason, times_banned, last_ban_length,
               last_activity, self_unbans, last_allowed] = a;
  return std::tie(prefix, attempts, banned_since, banned_until, reason, times_banned,
                  last_ban_length, last_activity, self_unbans, last_allowed);
}

inline bool same_address(const AddressRecord& a, const AddressRecord& b) {
  return members(a) == members(b);
}

// Every field random, optional ones unset about half the time. With
// `plain_text`, account, label and user hold printable ASCII only (no character a
// JSON string escapes); otherwise also tabs, newlines, quotes, backslashes,
// control characters, DEL and UTF-8.
inline Device random_device(std::mt19937_64& rng, bool plain_text = false) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto text = [&] {
    static const std::string kAny = std::string("ab \t\n\\\"\x01\x7f", 10) + "\xc3\xa9,";
    static const std::string kPlain = "aZ 9-_.,:/'@~";
    const std::string& alphabet = plain_text ? kPlain : kAny;
    std::string s;
    for (int i = pick(8); i > 0; --i)
      s += alphabet[static_cast<std::size_t>(pick(static_cast<int>(alphabet.size())))];
    return s;
  };
  auto time = [&] { return static_cast<UnixTime>(rng() % 4000000000ULL) - 100000000; };
  auto opt_time = [&]() -> std::optional<UnixTime> {
    if (pick(2)) return std::nullopt;
    return time();
  };
  auto opt_ip = [&]() -> std::optional<Ip> {
    switch (pick(3)) {
      case 0:
        return std::nullopt;
      case 1:
        return parse_ip("10." + std::to_string(pick(256)) + ".0." + std::to_string(pick(256)));
      default:
        return parse_ip("2001:db8::" + std::to_string(pick(9999)));
    }
  };
  Device d;
  d.mac = parse_mac("02" + std::to_string(1000000000 + pick(999999999)).substr(0, 10));
  d.account = text();
  d.label = text();
  d.user = text();
  d.registered = time();
  d.bound_ip = opt_ip();
  d.bound_at = opt_time();
  d.first_provisioned = opt_time();
  d.unlock_until = opt_time();
  d.unlock_all_seen = rng() % 3 == 0 ? rng() : 0;
  d.blocked = pick(2);
  d.blocked_at = opt_time();
  for (int i = pick(4); i > 0; --i) {
    std::optional<Ip> ip;
    while (!ip) ip = opt_ip();
    d.foreign.push_back(ForeignFetch{time(), *ip});
  }
  d.last_seen = opt_time();
  d.last_ip = opt_ip();
  d.allowed = rng() % 2 ? rng() : 0;
  d.denied = static_cast<std::uint64_t>(pick(100));
  return d;
}

// An address record with every field random, optional ones unset about half
// the time: an IPv4 address, an IPv6 /64 or a range; a reason that is plain
// ASCII, or with `plain_text` false also other text.
inline AddressRecord random_address(std::mt19937_64& rng, bool plain_text = true) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto time = [&] { return static_cast<UnixTime>(rng() % 4000000000ULL) - 100000000; };
  auto opt_time = [&]() -> std::optional<UnixTime> {
    if (pick(2)) return std::nullopt;
    return time();
  };
  auto times = [&] {
    std::vector<UnixTime> out;
    for (int i = pick(5); i > 0; --i) out.push_back(time());
    return out;
  };
  static const std::vector<std::string> kPrefixes = {
      "192.0.2.7/32", "10.1.2.0/24", "2001:db8:1:2::/64", "2001:db8::/48", "2001:db8::7/128"};
  static const std::vector<std::string> kReasons = {"", "auto", "manual"};
  static const std::vector<std::string> kOddReasons = {"a\tb", "\"q\"", "caf\xc3\xa9", "\x01"};
  AddressRecord a;
  a.prefix = parse_prefix(kPrefixes[static_cast<std::size_t>(pick(5))]);
  a.attempts = times();
  a.banned_since = opt_time();
  a.banned_until = opt_time();
  a.reason = plain_text || pick(2) ? kReasons[static_cast<std::size_t>(pick(3))]
                                   : kOddReasons[static_cast<std::size_t>(pick(4))];
  a.times_banned = pick(3) == 0 ? static_cast<std::uint32_t>(rng()) : 0;
  switch (pick(4)) {
    case 0:
      a.last_ban_length = 0;
      break;
    case 1:
      a.last_ban_length = -static_cast<std::int64_t>(rng() >> 1) - 1;  // down to INT64_MIN
      break;
    default:
      a.last_ban_length = static_cast<std::int64_t>(rng() >> 1);
  }
  a.last_activity = time();
  a.self_unbans = times();
  a.last_allowed = opt_time();
  return a;
}

}  // namespace provlock::testing
