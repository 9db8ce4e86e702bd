// MAC addresses as SPEC §2 accepts them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provlock {

// A unicast, non-zero MAC address. Always printed as 12 lowercase hex digits.
struct Mac {
  std::uint64_t value = 0;  // the 48 bits, first octet most significant

  // 12 lowercase hex digits, e.g. "001122aabbcc".
  std::string str() const;

  auto operator<=>(const Mac&) const = default;
};

// Parses "001122aabbcc", "00:11:22:AA:BB:CC", "00-11-22-aa-bb-cc" or
// "0011.22aa.bbcc" (case-insensitive). Separators must be consistent and in the
// positions of one of those forms. Returns nullopt for anything else, and for
// the all-zero, all-ones and group (multicast: low bit of the first octet)
// addresses.
std::optional<Mac> try_parse_mac(std::string_view text);

// As try_parse_mac, but throws Error(Exit::data) whose message names the value
// and says why it was rejected, e.g. "invalid MAC address '01005e000001':
// group (multicast) address".
Mac parse_mac(std::string_view text);

}  // namespace provlock
