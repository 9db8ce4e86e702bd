// The self-unban (SPEC §5): `ban remove --self` and the CGI's POST to
// cgi.unban_path.
#pragma once

#include <optional>
#include <string>

#include "lib/ip.hpp"
#include "lib/mac.hpp"
#include "lib/records.hpp"
#include "ops/session.hpp"

namespace provlock::ops {

enum class SelfUnban {
  removed,          // the ban of the address was lifted
  not_banned,       // nothing to lift
  operator_ban,     // the address's ban is an operator's `ban add`: only the operator lifts it
  range_ban,        // the address is within a range or group ban: only the operator lifts it
  turned_off,       // ban.self_unban_max = 0
  unknown_address,  // no registered device was allowed from it lately, and no identity
  over_limit,       // ban.self_unban_max self-unbans within 24h already used
};

struct SelfUnbanResult {
  SelfUnban outcome = SelfUnban::not_banned;
  // The ban that stands: its end (operator_ban, range_ban, turned_off,
  // over_limit, unknown_address) and, for range_ban, the range (and for a
  // group ban how many of its prefixes were banned).
  std::optional<UnixTime> until;
  std::optional<Prefix> range;
  std::uint32_t group_members = 0;
};

// Lifts the ban of the address `ip` is counted by, on that address's own
// request (SPEC §5): never another address, never an operator's ban or a
// range or group ban over the address; only for a known address (a
// registered device was allowed from it within ban.self_unban_known) or a
// request with a registered device's own identity; at most
// ban.self_unban_max times per address in any 24 hours. `identity_mac` is
// the MAC the request's verified identity names (a REMOTE_USER that is a
// MAC): it is a device's own identity when that device is registered.
// Journals what it lifted with s.who.
SelfUnbanResult self_unban(Session& s, const Ip& ip,
                           const std::optional<Mac>& identity_mac = std::nullopt);

// Whether `identity_mac` names a registered device, whose own identity it
// then is. Throws Error on store failure.
bool is_device_identity(Session& s, const std::optional<Mac>& identity_mac);

// The text that tells why a self-unban of `ip` was refused, naming the ban
// that stands and who can lift it: "IP is in the banned range P until T;
// only the operator can lift it". For outcomes other than removed and
// not_banned.
std::string self_unban_refusal(const SelfUnbanResult& r, const Ip& ip, const Config& cfg);

}  // namespace provlock::ops
