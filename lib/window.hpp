// What a provisioning window covers (SPEC §6): an IP or a prefix, as the
// operator names it to `window open` and `window close`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config.hpp"
#include "lib/ip.hpp"

namespace provlock {

// The widest prefixes a window may cover: an IPv4 /16 (65,536 addresses) and
// an IPv6 /32 (a provider's whole allocation); any longer prefix up to a single
// address is allowed.
inline constexpr int kWindowWidestV4 = 16;
inline constexpr int kWindowWidestV6 = 32;

// Whether a window may cover `prefix` (kWindowWidestV4/V6 bits or more).
bool window_prefix_allowed(const Prefix& prefix);

// "IPv4 /16 to /32, IPv6 /32 to /128": the allowed lengths, for messages.
std::string window_lengths();

// The window an operator's IP or CIDR names.
struct WindowTarget {
  // The window's prefix: a CIDR as given (host bits cleared, as `ban add`
  // does); a single IPv4 address alone (/32); a single IPv6 address its
  // binding prefix (lock.bind_prefix_v6), as binding treats it.
  Prefix prefix;
  // For a single IPv6 address whose binding prefix is wider than the address:
  // that address alone (/128), the window provlock 0.1 opened for it. `window
  // close` of the address closes that window too.
  std::optional<Prefix> address;
};

// Parses `text` as `window open` and `window close` take it. A value that is
// neither an IP nor a CIDR: Error(Exit::data) naming it. A prefix wider than
// window_prefix_allowed (also a single IPv6 address whose binding prefix is):
// Error(Exit::usage) naming it and the allowed lengths.
WindowTarget window_target(std::string_view text, const Config& cfg);

// The window's prefix as `window list`, `window open` and the journal show it,
// which `window close` takes back to close that window alone: an IPv4 /32 as
// the plain address ("192.0.2.7"), as provlock 0.1 showed it; every other
// prefix as a CIDR ("198.51.100.0/24", "2001:db8::/64", "2001:db8::1/128").
std::string window_name(const Prefix& prefix);

// The prefixes a window covering `ip` may have: `ip`'s own prefix of every
// allowed length, the longest first (17 for IPv4, 97 for IPv6).
std::vector<Prefix> window_prefixes_covering(const Ip& ip);

}  // namespace provlock
