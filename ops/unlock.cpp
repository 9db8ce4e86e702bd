#include "ops/unlock.hpp"

#include "lib/state.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

void unlock(Session& s, const std::vector<Mac>& macs, UnixTime until, bool force,
            const std::function<void(const std::string& mac)>& unlocked,
            const store::OnError& on_error) {
  bool was_blocked = false;  // whether the device being unlocked was
  store::update_each_record<Device>(
      *s.store, store::device_keys(macs),
      [&](const std::string& key, std::optional<Device>& d) {
        if (!d) throw Error(Exit::no_device, "no such device: " + key);
        if (std::optional<Error> refused = unlock_refusal(*d, force)) throw *refused;
        was_blocked = d->blocked;
        d->unlock_until = until;
        return store::Write::durable;
      },
      [&](const std::string& key) {
        journal(s,
                {{"command", "unlock"},
                 {"mac", key},
                 {"until", format_time(until)},
                 {"force", was_blocked}},
                true);
        unlocked(key);
      },
      on_error);
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
