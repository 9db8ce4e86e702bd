#include "ops/unlock.hpp"

#include "lib/state.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

void unlock(Session& s, const Mac& mac, UnixTime until, bool force, store::Write how) {
  bool was_blocked = false;
  store::update_record<Device>(*s.store, mac.str(), [&](std::optional<Device>& d) {
    if (!d) throw Error(Exit::no_device, "no such device: " + mac.str());
    if (std::optional<Error> refused = unlock_refusal(*d, force)) throw *refused;
    was_blocked = d->blocked;
    d->unlock_until = until;
    return how;
  });
  journal(s,
          {{"command", "unlock"},
           {"mac", mac.str()},
           {"until", format_time(until)},
           {"force", was_blocked}},
          how == store::Write::relaxed);
}

UnlockAll unlock_all(Session& s, const AccountScope& scope, std::optional<UnixTime> until) {
  UnlockAll entry;
  store::update_rules(*s.store, [&](StoreRules& r) {
    UnlockAllSet& set = r.unlock_alls;
    entry = UnlockAll{set.last_id + 1, s.now, scope, until};
    set.last_id = entry.id;
    set.entries.push_back(entry);
    return store::Write::durable;
  });
  journal(s, {{"command", "unlock-all"},
              {"account", scope ? store::Json(*scope) : store::Json(nullptr)},
              {"id", entry.id},
              {"until", until ? store::Json(format_time(*until)) : store::Json(nullptr)}});
  return entry;
}

}  // namespace provlock::ops
