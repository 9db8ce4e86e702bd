#include "cli/ban_ops.hpp"

#include <algorithm>

#include "cli/common.hpp"
#include "lib/bans.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

SelfUnban self_unban(Context& ctx, const Ip& ip) {
  const Prefix key = ban_key(ip, ctx.config);
  SelfUnban outcome = SelfUnban::not_banned;
  store::update_record<AddressRecord>(
      *ctx.store, store::address_key(key), [&](std::optional<AddressRecord>& a) {
        if (!a || !a->banned_at(ctx.now)) return store::Write::none;
        std::erase_if(a->self_unbans, [&](UnixTime t) { return t <= ctx.now - 86400 || t > ctx.now; });
        if (a->self_unbans.size() >= static_cast<std::size_t>(ctx.config.ban.self_unban_max)) {
          outcome = SelfUnban::over_limit;
          return store::Write::none;
        }
        a->self_unbans.push_back(ctx.now);
        a->banned_since.reset();
        a->banned_until.reset();
        a->attempts.clear();
        a->last_activity = ctx.now;
        outcome = SelfUnban::removed;
        return store::Write::durable;
      });
  if (outcome == SelfUnban::removed)
    journal(ctx, {{"command", "unban"}, {"ip", key.str()}, {"reason", "self"}});
  return outcome;
}

}  // namespace provlock::cli
