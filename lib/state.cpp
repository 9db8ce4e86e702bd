#include "lib/state.hpp"

#include "lib/expiry.hpp"

namespace provlock {

const char* state_name(State s) {
  switch (s) {
    case State::fresh: return "new";
    case State::locked: return "locked";
    case State::stale: return "stale";
    case State::unlocked: return "unlocked";
    case State::blocked: return "blocked";
  }
  return "?";
}

std::optional<State> state_from_name(const std::string& name) {
  for (State s : {State::fresh, State::locked, State::stale, State::unlocked, State::blocked})
    if (name == state_name(s)) return s;
  return std::nullopt;
}

bool unlock_all_applies(const UnlockAll& u, const Device& d, UnixTime now) {
  return u.id > d.unlock_all_seen && in_scope(u.account, d.account) && !unlock_all_ran_out(u, now);
}

std::optional<ActiveUnlock> active_unlock(const Device& d, const UnlockAllSet& unlock_alls,
                                          UnixTime now) {
  if (d.unlock_until && !unlock_ran_out(d, now)) return ActiveUnlock{true, d.unlock_until};
  if (d.blocked) return std::nullopt;
  std::optional<ActiveUnlock> best;
  for (const UnlockAll& u : unlock_alls.entries) {
    if (!unlock_all_applies(u, d, now)) continue;
    // Report the most generous one: "until the next fetch" beats any time.
    if (!best || (best->until && (!u.until || *u.until > *best->until)))
      best = ActiveUnlock{false, u.until};
  }
  return best;
}

State state_of(const Device& d, const UnlockAllSet& unlock_alls, const Config& cfg, UnixTime now) {
  if (active_unlock(d, unlock_alls, now)) return State::unlocked;
  if (d.blocked) return State::blocked;
  if (d.bound_ip) return State::locked;
  if (now - d.registered > cfg.lock.stale_after) return State::stale;
  return State::fresh;
}

Device new_device(const Mac& mac, const Registration& r, UnixTime now, const UnlockAllSet& given) {
  Device d;
  d.mac = mac;
  d.account = r.account;
  d.label = r.label;
  d.user = r.user;
  d.registered = now;
  d.unlock_all_seen = given.last_id;
  return d;
}

std::optional<Error> unlock_refusal(const Device& d, bool force) {
  if (!d.blocked || force) return std::nullopt;
  return Error(Exit::no_perm, "device " + d.mac.str() +
                                  " is blocked for suspicious activity; unlock it with --force "
                                  "once the cause is known");
}

}  // namespace provlock
