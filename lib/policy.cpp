#include "lib/policy.hpp"

#include <algorithm>

#include "lib/bans.hpp"
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

// A fetch from outside the binding of a locked (or blocked) device: the
// latest one of each address is remembered within suspicious.within (an
// IPv6 address by its ban prefix, as bans count it), and foreign fetches
// from more than suspicious.max_foreign distinct addresses block the device.
// Repeats from one address never do: a phone moved to another office, or one
// scanner, is one address. Returns true when this fetch blocked it.
bool note_foreign(Device& d, const Ip& ip, const Config& cfg, UnixTime now) {
  const Prefix from = ban_key(ip, cfg);
  // Times may arrive out of order (replays with --now); the list is kept
  // sorted so that the newest survive the cap.
  std::erase_if(d.foreign, [&](const ForeignFetch& f) {
    return f.at <= now - cfg.suspicious.within || from.contains(f.ip);
  });
  const auto at = std::upper_bound(d.foreign.begin(), d.foreign.end(), now,
                                   [](UnixTime t, const ForeignFetch& f) { return t < f.at; });
  d.foreign.insert(at, ForeignFetch{now, ip});
  const std::size_t limit = static_cast<std::size_t>(cfg.suspicious.max_foreign);
  if (d.foreign.size() > limit + 1)
    d.foreign.erase(d.foreign.begin(), d.foreign.end() - (limit + 1));
  if (d.foreign.size() > limit && !d.blocked) {
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

  const bool own = own_identity(fetch.identity, d, cfg);
  const bool moved = !d.bound_ip || *d.bound_ip != fetch.ip;
  if (rec.ip_banned) {
    out.reason = Reason::banned;
  } else if (fetch.identity.given() && !own) {
    // Someone else's credentials: nothing moves, and the address is counted
    // as a scan (bans.hpp), not the device as attacked.
    out.reason = Reason::auth_mismatch;
  } else if (state == State::blocked) {
    // A security hold freezes the binding: the bound address and the device's
    // own identity still fetch; windows, unlocks and unlock-alls do not apply.
    if (d.bound_ip && same_binding(*d.bound_ip, fetch.ip, cfg)) {
      allow(Reason::same_ip, false);
    } else if (own) {
      // Credentials outrank suspicion: the binding follows the phone, and the
      // hold stays until an operator's unlock --force.
      allow(Reason::authenticated, false);
      if (moved) {
        d.bound_ip = fetch.ip;
        d.bound_at = now;
        out.binding_changed = true;
      }
    } else {
      out.reason = Reason::blocked;
      note_foreign(d, fetch.ip, cfg, now);
    }
  } else if (admitting_window(rec.windows, d, fetch.ip, now)) {
    allow(Reason::window, true);
  } else if (state == State::unlocked) {
    const bool explicit_unlock = active_unlock(d, unlock_alls, now)->explicit_unlock;
    allow(explicit_unlock ? Reason::unlocked : Reason::unlock_all, true);
  } else if (own) {
    allow(Reason::authenticated, moved);
  } else if (state == State::fresh) {
    allow(Reason::first_provision, true);
  } else if (state == State::stale) {
    out.reason = Reason::stale_registration;
  } else if (same_binding(*d.bound_ip, fetch.ip, cfg)) {
    allow(Reason::same_ip, false);
  } else {
    out.reason = Reason::locked;
    if (note_foreign(d, fetch.ip, cfg, now)) out.binding_changed = true;
  }

  d.last_seen = now;
  d.last_ip = fetch.ip;
  ++(out.allow ? d.allowed : d.denied);
  out.device = std::move(d);
  return out;
}

}  // namespace provlock
