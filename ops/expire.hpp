// expire (SPEC §9): what cron runs. Ends what has run out, forgets
// addresses quiet for ban.max_ban_time, prunes the journal, folds the
// bookkeeping that checks wrote unflushed. Safe to run while checks run:
// every change is a read-modify-write under the record's lock that re-checks
// the record as it finds it, so it is idempotent too.
#pragma once

#include "ops/session.hpp"

namespace provlock::ops {

struct ExpireCounts {
  int unlocks = 0, unlock_alls = 0, bans = 0, range_bans = 0, windows = 0, forgotten = 0,
      journal_days = 0;
  int folded = 0;      // recent versions folded into their records
  int unreadable = 0;  // records that could not be read (each went to on_error)
};

// Does (with `dry_run`: counts, writing nothing at all, not even a lock file
// or a folder) what has expired at s.now, and journals the counts when
// anything changed. Records that cannot be read go to `on_error`; the rest
// is still done, but no unlock-all is dropped while a device is unreadable.
ExpireCounts expire(Session& s, bool dry_run, const store::OnError& on_error);

}  // namespace provlock::ops
