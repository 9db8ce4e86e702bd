#include "ops/expire.hpp"

#include <set>

#include "lib/bans.hpp"
#include "lib/expiry.hpp"
#include "lib/state.hpp"
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
  std::set<std::uint64_t> still_used;
  std::vector<Mac> ran_out;
  store::scan_records<Device>(
      *s.store,
      [&](const Device& d) {
        if (d.unlock_until && *d.unlock_until <= now) ran_out.push_back(d.mac);
        for (const UnlockAll& u : unlock_alls.entries)
          if (unlock_all_applies(u, d, now)) still_used.insert(u.id);
      },
      report_bad);
  for (const Mac& mac : ran_out) {
    examine<Device>(*s.store, dry, mac.str(), [&](std::optional<Device>& d) {
      bool changed = d && d->unlock_until && *d->unlock_until <= now;
      if (changed) {
        d->unlock_until.reset();
        ++n.unlocks;
      }
      return write(changed);
    });
  }

  // Unlock-alls that ran out, or that no device can use any more (every
  // device in scope has fetched since; devices added later never can).
  // Not when a device could not be read: it might still use one.
  const bool devices_complete = n.unreadable == 0;
  // Range bans that ran out go in the same write.
  examine<StoreRules>(*s.store, dry, store::kRulesKey, [&](std::optional<StoreRules>& rules) {
    if (!rules) return store::Write::none;
    auto ranges =
        std::erase_if(rules->range_bans.entries, [&](const RangeBan& b) { return b.until <= now; });
    n.range_bans += static_cast<int>(ranges);
    auto gone = std::erase_if(rules->unlock_alls.entries, [&](const UnlockAll& u) {
      return (u.until && *u.until <= now) ||
             (devices_complete && u.id <= unlock_alls.last_id && !still_used.count(u.id));
    });
    n.unlock_alls += static_cast<int>(gone);
    return write(gone + ranges > 0);
  });

  // Addresses: bans that ran out, and addresses quiet for max_ban_time.
  std::vector<AddressRecord> addresses;
  store::scan_records<AddressRecord>(
      *s.store, [&](const AddressRecord& a) { addresses.push_back(a); }, report_bad);
  for (const AddressRecord& seen : addresses) {
    examine<AddressRecord>(
        *s.store, dry, store::address_key(seen.prefix), [&](std::optional<AddressRecord>& a) {
          if (!a) return store::Write::none;
          if (a->banned_until && *a->banned_until <= now) {
            lift_ban(*a);
            ++n.bans;
            if (a->last_activity + cfg.ban.max_ban_time > now) return write(true);
          }
          if (!a->banned_until && a->last_activity + cfg.ban.max_ban_time <= now) {
            a.reset();
            ++n.forgotten;
            return write(true);
          }
          auto old =
              std::erase_if(a->attempts, [&](UnixTime t) { return t <= now - cfg.ban.find_time; });
          return write(old > 0);
        });
  }

  std::vector<Window> windows;
  store::scan_records<Window>(
      *s.store, [&](const Window& w) { windows.push_back(w); }, report_bad);
  for (const Window& seen : windows) {
    examine<Window>(*s.store, dry, store::window_key(seen.ip), [&](std::optional<Window>& w) {
      const bool over = w && window_ran_out(*w, now);
      if (over) {
        w.reset();
        ++n.windows;
      }
      return write(over);
    });
  }

  n.journal_days = s.store->prune_journal(now - std::int64_t{86400} * cfg.journal.keep_days, dry);

  // The bookkeeping checks wrote without a flush, made durable: a power
  // cut loses at most what came after the last expire run.
  for (store::Kind kind : {store::Kind::device, store::Kind::ban})
    n.folded += s.store->fold_recent(kind, dry, report_bad);

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
