#include "ops/expire.hpp"

#include "lib/bans.hpp"
#include "lib/expiry.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

namespace {

// Runs `change` on a record as expire changes it: under its lock, written as
// `change` asks. With `dry_run`, on a copy read without taking any lock, so
// that a dry run writes nothing at all, not even a lock file or a folder
// (it works on a store it may not write).
template <class R>
void examine(store::Store& s, bool dry_run, const std::string& key,
             const std::function<store::Write(std::optional<R>&)>& change) {
  if (!dry_run) return store::update_record<R>(s, key, change);
  std::optional<R> copy = store::load_record<R>(s, key);
  change(copy);
}

}  // namespace

ExpireCounts expire(Session& s, bool dry, const store::OnError& on_error) {
  const UnixTime now = s.now;
  const Config& cfg = s.config;
  ExpireCounts n;
  auto report_bad = [&](const Error& e) {
    ++n.unreadable;
    on_error(e);
  };
  auto write = [dry](bool changed) {
    return changed && !dry ? store::Write::durable : store::Write::none;
  };

  // Devices: explicit unlocks that ran out unused; which unlock-alls any
  // device can still use.
  const UnlockAllSet unlock_alls = load_rules(s).unlock_alls;
  UnlockAllUse use;
  use.given_up_to = unlock_alls.last_id;
  std::vector<Mac> unlocks_over;
  store::scan_records<Device>(
      *s.store,
      [&](const Device& d) {
        if (unlock_ran_out(d, now)) unlocks_over.push_back(d.mac);
        note_unlock_all_use(use, d, unlock_alls, now);
      },
      report_bad);
  for (const Mac& mac : unlocks_over) {
    examine<Device>(*s.store, dry, mac.str(), [&](std::optional<Device>& d) {
      const bool changed = d && expire_unlock(*d, now);
      if (changed) ++n.unlocks;
      return write(changed);
    });
  }

  // Unlock-alls that are over, and range bans that ran out, in one write.
  // A device that could not be read might still use an unlock-all.
  use.every_device_read = n.unreadable == 0;
  examine<StoreRules>(*s.store, dry, store::kRulesKey, [&](std::optional<StoreRules>& rules) {
    if (!rules) return store::Write::none;
    const std::size_t ranges = expire_range_bans(rules->range_bans, now);
    const std::size_t members = expire_member_bans(rules->range_bans, now);
    const std::size_t gone = expire_unlock_alls(rules->unlock_alls, use, now);
    n.range_bans += static_cast<int>(ranges);
    n.unlock_alls += static_cast<int>(gone);
    return write(gone + ranges + members > 0);
  });

  // Addresses: bans that ran out, and addresses quiet for max_ban_time.
  std::vector<AddressRecord> addresses;
  store::scan_records<AddressRecord>(
      *s.store, [&](const AddressRecord& a) { addresses.push_back(a); }, report_bad);
  for (const AddressRecord& seen : addresses) {
    examine<AddressRecord>(
        *s.store, dry, store::address_key(seen.prefix), [&](std::optional<AddressRecord>& a) {
          if (!a) return store::Write::none;
          const AddressExpiry done = expire_address(*a, cfg, now);
          if (done.ban_lifted) ++n.bans;
          if (done.forgotten) {
            a.reset();
            ++n.forgotten;
          }
          return write(done.changed());
        });
  }

  std::vector<Window> windows;
  store::scan_records<Window>(
      *s.store, [&](const Window& w) { windows.push_back(w); }, report_bad);
  for (const Window& seen : windows) {
    examine<Window>(*s.store, dry, store::window_key(seen.prefix), [&](std::optional<Window>& w) {
      const bool over = w && window_ran_out(*w, now);
      if (over) {
        w.reset();
        ++n.windows;
      }
      return write(over);
    });
  }

  // The journal beyond journal.keep_days goes. The bookkeeping checks wrote
  // without a flush is made durable: a power cut loses at most what came
  // after the last expire run.
  const store::Maintenance m =
      s.store->maintain(now - kSecondsPerDay * cfg.journal.keep_days, dry, report_bad);
  n.journal_days = m.journal_days;
  n.folded = m.folded;

  const int bans = n.bans + n.range_bans;
  if (!dry && (n.unlocks || n.unlock_alls || bans || n.windows || n.forgotten || n.journal_days))
    journal(s, {{"command", "expire"},
                {"unlocks", n.unlocks},
                {"unlock_alls", n.unlock_alls},
                {"bans", bans},
                {"windows", n.windows},
                {"forgotten", n.forgotten},
                {"journal_days", n.journal_days}});
  return n;
}

}  // namespace provlock::ops
