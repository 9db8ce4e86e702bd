// The self-unban (SPEC §5): `ban remove --self` and the CGI's POST to
// cgi.unban_path.
#pragma once

#include <optional>
#include <string>

#include "lib/ip.hpp"
#include "lib/records.hpp"
#include "ops/session.hpp"

namespace provlock::ops {

enum class SelfUnban {
  removed,       // the ban of the address was lifted
  not_banned,    // nothing to lift
  operator_ban,  // the address's ban is an operator's `ban add`: only the operator lifts it
  range_ban,     // the address is within an operator's range ban: only the operator lifts it
  turned_off,    // ban.self_unban_max = 0
  over_limit,    // ban.self_unban_max self-unbans within 24h already used
};

struct SelfUnbanResult {
  SelfUnban outcome = SelfUnban::not_banned;
  // The ban that stands: its end (operator_ban, range_ban, turned_off,
  // over_limit) and, for range_ban, the range.
  std::optional<UnixTime> until;
  std::optional<Prefix> range;
};

// Lifts the ban of the address `ip` is counted by, on that address's own
// request (SPEC §5): never another address, never an operator's ban or a
// range ban over the address, at most ban.self_unban_max times per address
// in any 24 hours. Journals what it lifted with s.who.
SelfUnbanResult self_unban(Session& s, const Ip& ip);

// The text that tells why a self-unban of `ip` was refused, naming the ban
// that stands and who can lift it: "IP is in the banned range P until T;
// only the operator can lift it". For outcomes other than removed and
// not_banned.
std::string self_unban_refusal(const SelfUnbanResult& r, const Ip& ip, const Config& cfg);

}  // namespace provlock::ops
