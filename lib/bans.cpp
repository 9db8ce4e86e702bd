#include "lib/bans.hpp"

#include <algorithm>
#include <cmath>

namespace provlock {

Prefix ban_key(const Ip& ip, const Config& cfg) {
  return prefix_of(ip, ip.is_v4() ? 32 : cfg.ban.ipv6_prefix);
}

bool looks_like_scan(Reason reason) {
  switch (reason) {
    case Reason::unknown_device:
    case Reason::auth_mismatch:
    case Reason::mac_mismatch:
    case Reason::no_mac:
      return true;
    default:
      return false;
  }
}

bool fetch_counts(const Ip& ip, bool allowed, Reason reason, const Config& cfg) {
  switch (cfg.ban.count) {
    case BanCount::scans:
      if (allowed || !looks_like_scan(reason)) return false;
      break;
    case BanCount::denied:
      if (allowed) return false;
      break;
    case BanCount::all:
      break;
  }
  return !ban_ignored(ip, cfg);
}

bool ban_ignored(const Ip& ip, const Config& cfg) {
  return std::any_of(cfg.ban.ignore.begin(), cfg.ban.ignore.end(),
                     [&](const Prefix& p) { return p.contains(ip); });
}

std::int64_t next_ban_length(const AddressRecord& rec, const Config& cfg) {
  if (rec.times_banned == 0 || rec.last_ban_length <= 0) return cfg.ban.ban_time;
  double next = static_cast<double>(rec.last_ban_length) * cfg.ban.factor;
  if (next >= static_cast<double>(cfg.ban.max_ban_time)) return cfg.ban.max_ban_time;
  return std::max<std::int64_t>(cfg.ban.ban_time, static_cast<std::int64_t>(std::llround(next)));
}

void impose_ban(AddressRecord& rec, const Config& cfg, UnixTime now, std::optional<std::int64_t> length,
                const char* reason) {
  std::int64_t len = length ? *length : next_ban_length(rec, cfg);
  rec.banned_since = now;
  // A ban that would outlast the latest storable time ends there instead:
  // the record must stay readable (SPEC §2, bounds).
  rec.banned_until = time_after(now, len).value_or(kLatestTime);
  rec.reason = reason;
  rec.times_banned += 1;
  rec.last_ban_length = len;
  rec.last_activity = now;
  rec.attempts.clear();
}

namespace {

// ban.self_unban_max counts the self-unbans of this long (SPEC §5: 24h).
constexpr std::int64_t kSelfUnbanWindow = kSecondsPerDay;

bool recent(UnixTime t, UnixTime now) {
  return t > now - kSelfUnbanWindow && t <= now;
}

}  // namespace

std::size_t recent_self_unbans(const AddressRecord& rec, UnixTime now) {
  return static_cast<std::size_t>(std::count_if(rec.self_unbans.begin(), rec.self_unbans.end(),
                                                [&](UnixTime t) { return recent(t, now); }));
}

bool note_allowed(AddressRecord& rec, UnixTime now) {
  if (rec.last_allowed && *rec.last_allowed > now - kSecondsPerDay) return false;
  rec.last_allowed = now;
  return true;
}

bool allowed_trace_due(const std::optional<AddressRecord>& rec, UnixTime now) {
  if (!rec) return true;
  AddressRecord copy;
  copy.last_allowed = rec->last_allowed;
  return note_allowed(copy, now);
}

bool address_known(const AddressRecord& rec, const Config& cfg, UnixTime now) {
  return rec.last_allowed && *rec.last_allowed <= now &&
         !ran_out(*rec.last_allowed + cfg.ban.self_unban_known, now);
}

std::optional<SelfUnbanBar> self_unban_bar(const AddressRecord& rec, const Config& cfg,
                                           UnixTime now, bool own_identity) {
  if (!rec.banned_at(now)) return SelfUnbanBar::not_banned;
  if (rec.reason != "auto") return SelfUnbanBar::operator_ban;
  if (cfg.ban.self_unban_max <= 0) return SelfUnbanBar::turned_off;
  if (!own_identity && !address_known(rec, cfg, now)) return SelfUnbanBar::unknown_address;
  if (recent_self_unbans(rec, now) >= static_cast<std::size_t>(cfg.ban.self_unban_max))
    return SelfUnbanBar::over_limit;
  return std::nullopt;
}

void lift_ban(AddressRecord& rec) {
  rec.banned_since.reset();
  rec.banned_until.reset();
  rec.attempts.clear();
}

void self_lift_ban(AddressRecord& rec, UnixTime now) {
  std::erase_if(rec.self_unbans, [&](UnixTime t) { return !recent(t, now); });
  rec.self_unbans.push_back(now);
  lift_ban(rec);
  rec.last_activity = now;
}

std::size_t drop_old_attempts(AddressRecord& rec, const Config& cfg, UnixTime now) {
  return std::erase_if(rec.attempts, [&](UnixTime t) { return t <= now - cfg.ban.find_time; });
}

std::optional<Prefix> ban_group(const Prefix& key, const Config& cfg) {
  if (key.network.is_v4() || cfg.ban.ipv6_group_prefix >= key.length) return std::nullopt;
  return prefix_of(key.network, cfg.ban.ipv6_group_prefix);
}

namespace {

// Keeps the `keep` entries of `v` that `in` selects and that end last (by
// `until`; of equal ends, the later entries), dropping the other selected
// ones; the rest stay, in their order.
template <class T, class Select>
void keep_latest(std::vector<T>& v, std::size_t keep, Select in) {
  std::vector<std::size_t> selected;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (in(v[i])) selected.push_back(i);
  if (selected.size() <= keep) return;
  std::stable_sort(selected.begin(), selected.end(),
                   [&](std::size_t a, std::size_t b) { return v[a].until < v[b].until; });
  std::vector<bool> drop(v.size(), false);
  for (std::size_t k = 0; k < selected.size() - keep; ++k) drop[selected[k]] = true;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!drop[i]) v[kept++] = std::move(v[i]);
  v.erase(v.begin() + static_cast<std::ptrdiff_t>(kept), v.end());
}

}  // namespace

std::optional<RangeBan> note_member_ban(RangeBans& bans, const Prefix& member, UnixTime until,
                                        const Config& cfg, UnixTime now) {
  const std::optional<Prefix> group = ban_group(member, cfg);
  if (!group) return std::nullopt;
  std::erase_if(bans.members,
                [&](const MemberBan& m) { return ran_out(m.until, now) || m.prefix == member; });
  bans.members.push_back({member, until});
  auto in_group = [&](const MemberBan& m) {
    return m.prefix.length > group->length && group->contains(m.prefix.network);
  };
  const auto limit = static_cast<std::size_t>(cfg.ban.ipv6_group_bans);
  keep_latest(bans.members, limit + 1, in_group);
  keep_latest(bans.members, kMaxMemberBans, [](const MemberBan&) { return true; });

  std::size_t in_force = 0;
  UnixTime last_end = until;
  for (const MemberBan& m : bans.members)
    if (in_group(m)) {
      ++in_force;
      last_end = std::max(last_end, m.until);
    }
  if (in_force <= limit) return std::nullopt;

  auto same = [&](const RangeBan& b) { return b.is_group() && b.prefix == *group; };
  auto it = std::find_if(bans.entries.begin(), bans.entries.end(), same);
  if (it != bans.entries.end() && ran_out(it->until, now)) {
    bans.entries.erase(it);  // ran out: a new group ban begins now
    it = bans.entries.end();
  }
  if (it == bans.entries.end()) {
    bans.entries.push_back({*group, now, last_end, 0});
    it = bans.entries.end() - 1;
  }
  it->until = std::max(it->until, last_end);
  it->group_members = static_cast<std::uint32_t>(in_force);
  const RangeBan out = *it;
  std::erase_if(bans.entries,
                [&](const RangeBan& b) { return b.is_group() && ran_out(b.until, now); });
  keep_latest(bans.entries, kMaxGroupBans, [](const RangeBan& b) { return b.is_group(); });
  if (std::none_of(bans.entries.begin(), bans.entries.end(), same)) return std::nullopt;
  return out;
}

std::size_t expire_member_bans(RangeBans& bans, UnixTime now) {
  return std::erase_if(bans.members, [&](const MemberBan& m) { return ran_out(m.until, now); });
}

IpBan ip_ban(const Ip& ip, const std::optional<AddressRecord>& key_record, const RangeBans& ranges,
             UnixTime now) {
  IpBan out;
  out.range = ranges.find(ip, now);
  if (key_record && key_record->banned_at(now)) out.address = &*key_record;
  return out;
}

bool count_fetch(AddressRecord& rec, const Config& cfg, UnixTime now) {
  rec.last_activity = now;
  if (rec.banned_at(now)) return false;  // already banned: nothing more to learn
  drop_old_attempts(rec, cfg, now);
  rec.attempts.insert(std::upper_bound(rec.attempts.begin(), rec.attempts.end(), now), now);
  const std::size_t cap = static_cast<std::size_t>(cfg.ban.max_attempts) + 1;
  if (rec.attempts.size() > cap) rec.attempts.erase(rec.attempts.begin(), rec.attempts.end() - cap);
  if (rec.attempts.size() <= static_cast<std::size_t>(cfg.ban.max_attempts)) return false;
  impose_ban(rec, cfg, now, std::nullopt, "auto");
  return true;
}

}  // namespace provlock
