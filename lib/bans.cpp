#include "lib/bans.hpp"

#include <algorithm>
#include <cmath>

namespace provlock {

Prefix ban_key(const Ip& ip, const Config& cfg) {
  return prefix_of(ip, ip.is_v4() ? 32 : cfg.ban.ipv6_prefix);
}

bool fetch_counts(const Ip& ip, bool denied, const Config& cfg) {
  if (!denied && !cfg.ban.count_all) return false;
  return std::none_of(cfg.ban.ignore.begin(), cfg.ban.ignore.end(),
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

std::optional<SelfUnbanBar> self_unban_bar(const AddressRecord& rec, const Config& cfg,
                                           UnixTime now) {
  if (!rec.banned_at(now)) return SelfUnbanBar::not_banned;
  if (rec.reason != "auto") return SelfUnbanBar::operator_ban;
  if (cfg.ban.self_unban_max <= 0) return SelfUnbanBar::turned_off;
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
