// The operator's bans (SPEC §5): `ban add`, `ban remove`, `ban list`. The
// self-unban is in self_unban.hpp.
#pragma once

#include <string>
#include <vector>

#include "ops/session.hpp"

namespace provlock::ops {

// What an operator's ban names: a plain address, or a prefix of exactly the
// width addresses are counted by (an IPv4 /32, an IPv6 /ban.ipv6_prefix), is
// one address record; any other prefix is a range ban, kept in the rules.
struct BanTarget {
  Prefix prefix;
  bool is_range = false;
};

// Parses IP or CIDR text; Error(Exit::data) naming it when it is neither.
BanTarget ban_target(const std::string& text, const Config& cfg);

// Bans `target` from s.now until `until` as the operator's ("manual": no
// self-unban lifts it), replacing a ban of the same target; journaled.
void add_ban(Session& s, const BanTarget& target, UnixTime until);

// Lifts the operator's or provlock's ban of exactly `target` (not a range
// that contains it), a group ban too (and the member bans it was made of);
// journaled. Returns whether there was one in force.
bool remove_ban(Session& s, const BanTarget& target);

// A ban in force, as `ban list` shows it.
struct BanInForce {
  Prefix prefix;
  UnixTime since = 0;
  UnixTime until = 0;
  std::string reason;  // "auto", "manual" or "group" (SPEC §5, /48 bans)
  std::uint32_t times_banned = 0;
  std::uint32_t group_members = 0;  // a group ban: how many of its prefixes were banned
};

// The bans in force at s.now: addresses, then ranges. Records that cannot be
// read go to `on_error`.
std::vector<BanInForce> bans_in_force(Session& s, const store::OnError& on_error);

}  // namespace provlock::ops
