#include "lib/expiry.hpp"

#include "lib/bans.hpp"
#include "lib/state.hpp"

namespace provlock {

bool unlock_ran_out(const Device& d, UnixTime now) {
  return d.unlock_until && ran_out(*d.unlock_until, now);
}

bool expire_unlock(Device& d, UnixTime now) {
  if (!unlock_ran_out(d, now)) return false;
  d.unlock_until.reset();
  return true;
}

bool unlock_all_ran_out(const UnlockAll& u, UnixTime now) {
  return u.until && ran_out(*u.until, now);
}

void note_unlock_all_use(UnlockAllUse& use, const Device& d, const UnlockAllSet& given,
                         UnixTime now) {
  for (const UnlockAll& u : given.entries)
    if (unlock_all_applies(u, d, now)) use.in_use.insert(u.id);
}

bool unlock_all_over(const UnlockAll& u, const UnlockAllUse& use, UnixTime now) {
  if (unlock_all_ran_out(u, now)) return true;
  return use.every_device_read && u.id <= use.given_up_to && !use.in_use.contains(u.id);
}

std::size_t expire_unlock_alls(UnlockAllSet& set, const UnlockAllUse& use, UnixTime now) {
  return std::erase_if(set.entries,
                       [&](const UnlockAll& u) { return unlock_all_over(u, use, now); });
}

bool range_ban_ran_out(const RangeBan& b, UnixTime now) {
  return ran_out(b.until, now);
}

std::size_t expire_range_bans(RangeBans& bans, UnixTime now) {
  return std::erase_if(bans.entries, [&](const RangeBan& b) { return range_ban_ran_out(b, now); });
}

bool ban_ran_out(const AddressRecord& a, UnixTime now) {
  return a.banned_until && ran_out(*a.banned_until, now);
}

bool address_quiet(const AddressRecord& a, const Config& cfg, UnixTime now) {
  return !a.banned_until && ran_out(a.last_activity + cfg.ban.max_ban_time, now);
}

bool address_forgotten(const AddressRecord& a, const Config& cfg, UnixTime now) {
  return address_quiet(a, cfg, now) && !address_known(a, cfg, now);
}

AddressExpiry expire_address(AddressRecord& a, const Config& cfg, UnixTime now) {
  AddressExpiry out;
  if (ban_ran_out(a, now)) {
    lift_ban(a);
    out.ban_lifted = true;
  }
  if (address_forgotten(a, cfg, now)) {
    out.forgotten = true;
    return out;
  }
  if (address_quiet(a, cfg, now)) {
    AddressRecord known;
    known.prefix = a.prefix;
    known.last_activity = a.last_activity;
    known.last_allowed = a.last_allowed;
    out.history_forgotten = to_json(known) != to_json(a);
    a = known;
    return out;
  }
  out.old_attempts = drop_old_attempts(a, cfg, now);
  return out;
}

bool window_ran_out(const Window& w, UnixTime now) {
  return ran_out(w.until, now);
}

}  // namespace provlock
