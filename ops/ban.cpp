#include "ops/ban.hpp"

#include <algorithm>

#include "lib/bans.hpp"
#include "lib/expiry.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

BanTarget ban_target(const std::string& text, const Config& cfg) {
  if (text.find('/') == std::string::npos) return {ban_key(parse_ip(text), cfg), false};
  const Prefix p = parse_prefix(text);
  return {p, !(ban_key(p.network, cfg) == p)};
}

void add_ban(Session& s, const BanTarget& t, UnixTime until) {
  if (t.is_range) {
    store::update_rules(*s.store, [&](StoreRules& r) {
      // A new ban of a range replaces the one it had; those that ran out go
      // in the same write.
      expire_range_bans(r.range_bans, s.now);
      std::erase_if(r.range_bans.entries, [&](const RangeBan& b) { return b.prefix == t.prefix; });
      r.range_bans.entries.push_back({t.prefix, s.now, until});
      return store::Write::durable;
    });
  } else {
    store::update_record<AddressRecord>(
        *s.store, store::address_key(t.prefix), [&](std::optional<AddressRecord>& a) {
          if (!a) {
            a = AddressRecord{};
            a->prefix = t.prefix;
          }
          impose_ban(*a, s.config, s.now, until - s.now, "manual");
          return store::Write::durable;
        });
  }
  journal(s, {{"command", "ban"},
              {"ip", t.prefix.str()},
              {"reason", "manual"},
              {"until", format_time(until)}});
}

bool remove_ban(Session& s, const BanTarget& t) {
  bool lifted = false;
  if (t.is_range) {
    store::update_record<StoreRules>(
        *s.store, store::kRulesKey, [&](std::optional<StoreRules>& r) {
          if (!r) return store::Write::none;
          std::vector<RangeBan>& entries = r->range_bans.entries;
          lifted = std::any_of(entries.begin(), entries.end(), [&](const RangeBan& b) {
            return b.prefix == t.prefix && !range_ban_ran_out(b, s.now);
          });
          const std::size_t gone =
              std::erase_if(entries, [&](const RangeBan& b) { return b.prefix == t.prefix; });
          // Lifting a group ban also forgets the member bans that made it:
          // it takes more than ban.ipv6_group_bans new ones to ban the
          // group again (each member stays banned by its own record).
          const std::size_t members = std::erase_if(r->range_bans.members, [&](const MemberBan& m) {
            return lifted && t.prefix.contains(m.prefix.network);
          });
          return gone + members > 0 ? store::Write::durable : store::Write::none;
        });
  } else {
    store::update_record<AddressRecord>(
        *s.store, store::address_key(t.prefix), [&](std::optional<AddressRecord>& a) {
          if (!a || !a->banned_at(s.now)) return store::Write::none;
          lift_ban(*a);
          lifted = true;
          return store::Write::durable;
        });
  }
  if (lifted) journal(s, {{"command", "unban"}, {"ip", t.prefix.str()}, {"reason", "manual"}});
  return lifted;
}

std::vector<BanInForce> bans_in_force(Session& s, const store::OnError& on_error) {
  std::vector<BanInForce> out;
  store::scan_records<AddressRecord>(
      *s.store,
      [&](const AddressRecord& a) {
        if (a.banned_at(s.now))
          out.push_back({a.prefix, a.banned_since.value_or(0), *a.banned_until, a.reason,
                         a.times_banned});
      },
      on_error);
  try {
    for (const RangeBan& r : load_rules(s).range_bans.entries)
      if (!range_ban_ran_out(r, s.now))
        out.push_back(
            {r.prefix, r.since, r.until, r.is_group() ? "group" : "manual", 1, r.group_members});
  } catch (const Error& e) {
    on_error(e);
  }
  return out;
}

}  // namespace provlock::ops
