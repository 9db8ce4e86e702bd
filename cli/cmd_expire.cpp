// provlock expire [--dry-run]: for cron. Ends what has run out, forgets
// addresses quiet for ban.max_ban_time, prunes the journal. Safe to run while
// checks run: every change is a read-modify-write under the record's lock
// that re-checks the record as it finds it, so it is idempotent too.
#include <iostream>
#include <set>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

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

struct Counts {
  int unlocks = 0, unlock_alls = 0, bans = 0, range_bans = 0, windows = 0, forgotten = 0,
      journal_days = 0;
};
}  // namespace

Runner setup_expire(CLI::App& sub) {
  auto dry_run = std::make_shared<bool>(false);
  sub.add_flag("--dry-run", *dry_run, "Count what would be done, change nothing");
  return [dry_run](Context& ctx) {
    const bool dry = *dry_run;
    const UnixTime now = ctx.now;
    const Config& cfg = ctx.config;
    Counts n;
    int bad = 0;
    auto report_bad = [&](const Error& e) {
      ++bad;
      report(e);
    };
    auto write = [dry](bool changed) {
      return changed && !dry ? store::Write::durable : store::Write::none;
    };

    // Devices: explicit unlocks that ran out unused; which unlock-alls any
    // device can still use.
    const UnlockAllSet unlock_alls = load_rules(ctx).unlock_alls;
    std::set<std::uint64_t> still_used;
    std::vector<Mac> ran_out;
    store::scan_records<Device>(
        *ctx.store,
        [&](const Device& d) {
          if (d.unlock_until && *d.unlock_until <= now) ran_out.push_back(d.mac);
          for (const UnlockAll& u : unlock_alls.entries)
            if (unlock_all_applies(u, d, now)) still_used.insert(u.id);
        },
        report_bad);
    for (const Mac& mac : ran_out) {
      examine<Device>(*ctx.store, dry, mac.str(), [&](std::optional<Device>& d) {
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
    const bool devices_complete = bad == 0;
    // Range bans that ran out go in the same write.
    examine<StoreRules>(
        *ctx.store, dry, store::kRulesKey, [&](std::optional<StoreRules>& rules) {
          if (!rules) return store::Write::none;
          auto ranges = std::erase_if(rules->range_bans.entries,
                                      [&](const RangeBan& b) { return b.until <= now; });
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
        *ctx.store, [&](const AddressRecord& a) { addresses.push_back(a); }, report_bad);
    for (const AddressRecord& seen : addresses) {
      examine<AddressRecord>(
          *ctx.store, dry, store::address_key(seen.prefix), [&](std::optional<AddressRecord>& a) {
            if (!a) return store::Write::none;
            if (a->banned_until && *a->banned_until <= now) {
              a->banned_since.reset();
              a->banned_until.reset();
              ++n.bans;
              if (a->last_activity + cfg.ban.max_ban_time > now) return write(true);
            }
            if (!a->banned_until && a->last_activity + cfg.ban.max_ban_time <= now) {
              a.reset();
              ++n.forgotten;
              return write(true);
            }
            auto old = std::erase_if(a->attempts,
                                     [&](UnixTime t) { return t <= now - cfg.ban.find_time; });
            return write(old > 0);
          });
    }

    std::vector<Window> windows;
    store::scan_records<Window>(
        *ctx.store, [&](const Window& w) { windows.push_back(w); }, report_bad);
    for (const Window& seen : windows) {
      examine<Window>(*ctx.store, dry, store::window_key(seen.ip), [&](std::optional<Window>& w) {
        bool over = w && w->until <= now;
        if (over) {
          w.reset();
          ++n.windows;
        }
        return write(over);
      });
    }

    n.journal_days =
        ctx.store->prune_journal(now - std::int64_t{86400} * cfg.journal.keep_days, dry);

    // The bookkeeping checks wrote without a flush, made durable: a power
    // cut loses at most what came after the last expire run.
    int folded = 0;
    for (store::Kind kind : {store::Kind::device, store::Kind::ban})
      folded += ctx.store->fold_recent(kind, dry, report_bad);

    const int bans = n.bans + n.range_bans;
    const View counts = {
        {"unlocks", n.unlocks}, {"unlock_alls", n.unlock_alls}, {"bans", bans},
        {"windows", n.windows}, {"forgotten", n.forgotten},     {"journal_days", n.journal_days}};
    if (!dry &&
        (n.unlocks || n.unlock_alls || bans || n.windows || n.forgotten || n.journal_days)) {
      store::Json entry = store::Json::parse(counts.dump());
      entry["command"] = "expire";
      journal(ctx, entry);
    }
    if (ctx.json) {
      View out = {{"dry_run", dry}};
      out.update(counts);
      out["folded"] = folded;
      print_json(out);
    } else
      std::cout << (dry ? "would expire: " : "expired: ") << n.unlocks << " unlocks, "
                << n.unlock_alls << " unlock-alls, " << bans << " bans, " << n.windows
                << " windows; forgot " << n.forgotten << " addresses; pruned " << n.journal_days
                << " journal days\n";
    return bad ? static_cast<int>(Exit::io) : 0;
  };
}

}  // namespace provlock::cli
