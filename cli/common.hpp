// Helpers the commands share: reading MAC lists, showing a device, writing
// the journal.
#pragma once

#include <string>
#include <vector>

#include "cli/context.hpp"
#include "lib/mac.hpp"
#include "lib/records.hpp"
#include "lib/state.hpp"

namespace provlock::cli {

// What commands print: JSON objects that keep their keys in the order given.
using View = nlohmann::ordered_json;

// Parses every argument as a MAC; "-" reads more from stdin, one per line
// (blank lines and lines starting with '#' are skipped; surrounding white
// space is ignored). Every value is parsed before anything is done, so one
// bad MAC (exit 65, named with its line number when read from stdin) leaves
// the store untouched. Duplicates are kept once, in first-seen order.
std::vector<Mac> read_macs(const std::vector<std::string>& args);

// The unlock-alls in force (empty when there are none).
UnlockAllSet load_unlock_alls(Context& ctx);

// How `list`, `show` and `check --json` show a device: mac, state, account,
// label, bound_ip, last_seen, last_ip, until, registered, first_provisioned,
// allowed, denied, blocked_at.
View device_view(const Device& d, const UnlockAllSet& unlock_alls, const Context& ctx);

// Appends an entry to the journal with the time and who did it.
void journal(Context& ctx, store::Json entry);

// Prints one JSON value on one line to stdout.
void print_json(const View& j);

}  // namespace provlock::cli
