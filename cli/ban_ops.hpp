// Ban operations shared by `ban` and the CGI front.
#pragma once

#include <string>

#include "cli/context.hpp"
#include "lib/ip.hpp"

namespace provlock::cli {

enum class SelfUnban {
  removed,      // the ban of the address was lifted
  not_banned,   // nothing to lift
  over_limit,   // ban.self_unban_max self-unbans within 24h already used
};

// Lifts the ban of the address `ip` is counted by, on that address's own
// request (SPEC §5): never another address, at most ban.self_unban_max times
// per address in any 24 hours. Journals what it did with ctx.who.
SelfUnban self_unban(Context& ctx, const Ip& ip);

}  // namespace provlock::cli
