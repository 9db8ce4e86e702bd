#include "ops/self_unban.hpp"

#include <algorithm>

#include "lib/bans.hpp"
#include "lib/duration.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {
namespace {

SelfUnban outcome_of(SelfUnbanBar bar) {
  switch (bar) {
    case SelfUnbanBar::operator_ban:
      return SelfUnban::operator_ban;
    case SelfUnbanBar::turned_off:
      return SelfUnban::turned_off;
    case SelfUnbanBar::over_limit:
      return SelfUnban::over_limit;
    case SelfUnbanBar::unknown_address:
      return SelfUnban::unknown_address;
    case SelfUnbanBar::not_banned:
      break;
  }
  return SelfUnban::not_banned;
}

// "30d" rather than format_duration's "4w2d": how an operator writes it.
std::string days_or_duration(std::int64_t seconds) {
  if (seconds % kSecondsPerDay == 0) return std::to_string(seconds / kSecondsPerDay) + "d";
  return format_duration(seconds);
}

}  // namespace

bool is_device_identity(Session& s, const std::optional<Mac>& identity_mac) {
  return identity_mac && store::load_record<Device>(*s.store, identity_mac->str()).has_value();
}

SelfUnbanResult self_unban(Session& s, const Ip& ip, const std::optional<Mac>& identity_mac) {
  SelfUnbanResult out;
  // A range ban stands whatever becomes of the address's own record, so
  // lifting that one would only use up a self-unban.
  if (const StoreRules rules = load_rules(s);
      const RangeBan* r = rules.range_bans.find(ip, s.now)) {
    out.outcome = SelfUnban::range_ban;
    out.range = r->prefix;
    out.until = r->until;
    out.group_members = r->group_members;
    return out;
  }
  const bool identity = is_device_identity(s, identity_mac);
  const Prefix key = ban_key(ip, s.config);
  auto lift = [&](std::optional<AddressRecord>& a) {
    if (!a) return store::Write::none;
    if (const auto bar = self_unban_bar(*a, s.config, s.now, identity)) {
      out.outcome = outcome_of(*bar);
      if (*bar != SelfUnbanBar::not_banned) out.until = a->banned_until;
      return store::Write::none;
    }
    self_lift_ban(*a, s.now);
    out.outcome = SelfUnban::removed;
    return store::Write::durable;
  };
  store::update_record<AddressRecord>(*s.store, store::address_key(key), lift);
  if (out.outcome == SelfUnban::removed) {
    store::Json entry = {{"command", "unban"}, {"ip", key.str()}, {"reason", "self"}};
    if (identity) entry["identity"] = identity_mac->str();
    journal(s, entry);
  }
  return out;
}

std::string self_unban_refusal(const SelfUnbanResult& r, const Ip& ip, const Config& cfg) {
  const std::string until = r.until ? " until " + format_time(*r.until) : "";
  switch (r.outcome) {
    case SelfUnban::range_ban:
      if (r.group_members > 0)
        return ip.str() + " is in the banned group " + (r.range ? r.range->str() : "") + until +
               " (" + std::to_string(r.group_members) +
               " of its prefixes were banned at once); only the operator can lift it";
      return ip.str() + " is in the banned range " + (r.range ? r.range->str() : "") + until +
             "; only the operator can lift it";
    case SelfUnban::unknown_address:
      return ip.str() + " is banned" + until +
             "; self-unban is only for an address from which a registered device was allowed "
             "within " +
             days_or_duration(cfg.ban.self_unban_known) +
             " (ban.self_unban_known), or with a device's own credentials: ask the operator";
    case SelfUnban::operator_ban:
      return ip.str() + " was banned by the operator" + until + "; only the operator can lift it";
    case SelfUnban::turned_off:
      return ip.str() + " is banned" + until +
             "; self-unban is turned off here (ban.self_unban_max = 0): ask the operator";
    case SelfUnban::over_limit:
      return ip.str() + " is banned" + until + " and has used its " +
             std::to_string(cfg.ban.self_unban_max) +
             " self-unbans of the last 24h; ask the operator";
    case SelfUnban::removed:
    case SelfUnban::not_banned:
      break;
  }
  return ip.str() + " may lift its own ban";
}

}  // namespace provlock::ops
