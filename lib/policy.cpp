#include "lib/policy.hpp"

#include <algorithm>

#include "lib/expiry.hpp"

namespace provlock {
namespace {

// The fetch that binds a device: it (re)binds to `ip`, uses up every unlock in
// force, and ends a security hold that a forced unlock let through. Foreign
// attempts are forgotten when the binding moves: they were foreign to the old
// address.
void bind(Device& d, const Ip& ip, const UnlockAllSet* unlock_alls, UnixTime now) {
  if (d.bound_ip != ip) d.foreign.clear();
  d.bound_ip = ip;
  d.bound_at = now;
  if (!d.first_provisioned) d.first_provisioned = now;
  d.unlock_until.reset();
  if (unlock_alls) d.unlock_all_seen = std::max(d.unlock_all_seen, unlock_alls->last_id);
  if (d.blocked) {
    d.blocked = false;
    d.blocked_at.reset();
    d.foreign.clear();
  }
}

// A foreign-IP fetch of a locked device: remembered within suspicious.within,
// and more than suspicious.max_foreign of them block the device.
bool note_foreign(Device& d, const Config& cfg, UnixTime now) {
  // Times may arrive out of order (replays with --now); keep them sorted so
  // the newest survive the cap.
  std::erase_if(d.foreign, [&](UnixTime t) { return t <= now - cfg.suspicious.within; });
  d.foreign.insert(std::upper_bound(d.foreign.begin(), d.foreign.end(), now), now);
  const std::size_t cap = static_cast<std::size_t>(cfg.suspicious.max_foreign) + 1;
  if (d.foreign.size() > cap) d.foreign.erase(d.foreign.begin(), d.foreign.end() - cap);
  if (d.foreign.size() > static_cast<std::size_t>(cfg.suspicious.max_foreign) && !d.blocked) {
    d.blocked = true;
    d.blocked_at = now;
    return true;
  }
  return false;
}

}  // namespace

bool same_binding(const Ip& bound, const Ip& ip, const Config& cfg) {
  if (bound.family != ip.family) return false;
  int len = bound.is_v4() ? cfg.lock.bind_prefix_v4 : cfg.lock.bind_prefix_v6;
  return prefix_of(bound, len).contains(ip);
}

bool window_open(const Window& w, UnixTime now) {
  return w.opened <= now && !window_ran_out(w, now);
}

bool window_admits(const Window& w, const Device& d, UnixTime now) {
  return window_open(w, now) && in_scope(w.account, d.account);
}

bool window_admits(const Window& w, const Device& d, const Ip& ip, UnixTime now) {
  return w.prefix.contains(ip) && window_admits(w, d, now);
}

const Window* admitting_window(std::span<const Window> windows, const Device& d, const Ip& ip,
                               UnixTime now) {
  for (const Window& w : windows)
    if (window_admits(w, d, ip, now)) return &w;
  return nullptr;
}

Decision decide(const Fetch& fetch, const FetchRecords& rec, const Config& cfg, UnixTime now) {
  Decision out;
  if (!rec.device) {
    out.reason = rec.ip_banned ? Reason::banned : Reason::unknown_device;
    return out;
  }

  Device d = *rec.device;
  static const UnlockAllSet kNone;
  const UnlockAllSet& unlock_alls = rec.unlock_alls ? *rec.unlock_alls : kNone;
  const State state = state_of(d, unlock_alls, cfg, now);
  auto allow = [&](Reason reason, bool binds) {
    out.allow = true;
    out.reason = reason;
    if (binds) {
      out.binding_changed = !d.bound_ip || *d.bound_ip != fetch.ip || d.unlock_until ||
                            d.blocked || d.unlock_all_seen < unlock_alls.last_id;
      bind(d, fetch.ip, &unlock_alls, now);
    }
  };

  if (rec.ip_banned) {
    out.reason = Reason::banned;
  } else if (state == State::blocked) {
    out.reason = Reason::blocked;
  } else if (admitting_window(rec.windows, d, fetch.ip, now)) {
    allow(Reason::window, true);
  } else if (state == State::unlocked) {
    const bool explicit_unlock = active_unlock(d, unlock_alls, now)->explicit_unlock;
    allow(explicit_unlock ? Reason::unlocked : Reason::unlock_all, true);
  } else if (fetch.authenticated) {
    bool moved = !d.bound_ip || *d.bound_ip != fetch.ip;
    allow(Reason::authenticated, moved);
  } else if (state == State::fresh) {
    allow(Reason::first_provision, true);
  } else if (state == State::stale) {
    out.reason = Reason::stale_registration;
  } else if (same_binding(*d.bound_ip, fetch.ip, cfg)) {
    allow(Reason::same_ip, false);
  } else {
    out.reason = Reason::locked;
    if (note_foreign(d, cfg, now)) out.binding_changed = true;
  }

  d.last_seen = now;
  d.last_ip = fetch.ip;
  ++(out.allow ? d.allowed : d.denied);
  out.device = std::move(d);
  return out;
}

}  // namespace provlock
