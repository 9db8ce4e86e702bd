#include "ops/devices.hpp"

#include "lib/state.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

std::vector<bool> add_devices(Session& s, const std::vector<Mac>& macs, const Registration& r) {
  // Devices added now must not be caught by unlock-alls given before
  // (new_device).
  const UnlockAllSet unlock_alls = load_rules(s).unlock_alls;
  std::vector<std::pair<std::string, store::Json>> records;
  records.reserve(macs.size());
  for (const Mac& mac : macs)
    records.emplace_back(mac.str(), to_json(new_device(mac, r, s.now, unlock_alls)));
  return s.store->create_all(store::Kind::device, records, [&](std::size_t i) {
    journal(s, {{"command", "add"}, {"mac", records[i].first}, {"account", r.account}}, true);
  });
}

std::vector<std::string> remove_devices(Session& s, const std::vector<Mac>& macs,
                                        const std::function<void(const std::string& mac)>& removed,
                                        const store::OnError& on_error) {
  std::vector<std::string> missing;
  bool was_there = false;  // whether the device being removed was
  store::update_each_record<Device>(
      *s.store, store::device_keys(macs),
      [&](const std::string&, std::optional<Device>& d) {
        was_there = d.has_value();
        if (!d) return store::Write::none;
        d.reset();
        return store::Write::durable;
      },
      [&](const std::string& key) {
        if (!was_there) {
          missing.push_back(key);
          return;
        }
        journal(s, {{"command", "remove"}, {"mac", key}}, true);
        removed(key);
      },
      on_error);
  return missing;
}

}  // namespace provlock::ops
