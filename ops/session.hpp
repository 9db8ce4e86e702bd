// What every use case runs with: the configuration, the store, `now` (read
// once, at the top, and handed down), and who is acting. The front (cli/)
// makes one per command, or per request of a batch or a FastCGI process.
#pragma once

#include <functional>
#include <memory>

#include "lib/config.hpp"
#include "lib/records.hpp"
#include "lib/timefmt.hpp"
#include "store/store.hpp"

namespace provlock::ops {

struct Session {
  Config config;
  UnixTime now = 0;
  std::unique_ptr<store::Store> store;
  // Who is acting, for the journal: {"user","uid"}, or {"remote_addr"} in a
  // CGI request. When null at the first journal entry, `identify` is asked
  // (a user database lookup is slow to start, so it is made only then).
  store::Json who;
  std::function<store::Json()> identify;
};

// Appends an entry to the journal with the session's time (unless the entry
// has its own) and who did it. Flushed to stable storage unless `relaxed`:
// bookkeeping, or an entry made within Store::update_each or create_all,
// which flush it before they return.
void journal(Session& s, store::Json entry, bool relaxed = false);

// The store-wide rules: unlock-alls and range bans (empty when none).
StoreRules load_rules(Session& s);

}  // namespace provlock::ops
