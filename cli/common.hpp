// Helpers the commands share: reading MAC lists, showing a device, writing
// the journal.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "lib/error.hpp"
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

// Refuses an --account or --label value that is not UTF-8 text (records are
// JSON, which holds only UTF-8): Error(Exit::data) naming the option and the
// value, before anything is written.
void require_text(const std::string& value, const char* option);

// The scope of an --account flag (SPEC §6): every account when the flag was
// left out (`given` false), else the devices of `value`, where "" is the
// devices without an account. An empty value never means every account.
inline AccountScope account_scope(bool given, const std::string& value) {
  return given ? AccountScope(value) : std::nullopt;
}

// A scope as the human-readable output names it: "all accounts", "account
// A" (escaped, as by printable()), or "no account".
std::string scope_name(const AccountScope& scope);

// A scope in JSON output: null for every account, else the account ("" for
// the devices without one).
View scope_view(const AccountScope& scope);

using ops::load_rules;

// One field of a device as `list`, `show` and `check --json` show it.
struct DeviceField {
  enum class Type { null, text, count };
  const char* name = "";
  Type type = Type::null;
  std::string text;
  std::uint64_t count = 0;
};
using DeviceFields = std::array<DeviceField, 15>;

// How `list`, `show` and `check --json` show a device, field by field in the
// order printed: mac, state, account, label, bound_ip, last_seen, last_ip,
// until, unlock, registered, first_provisioned, blocked_at, allowed, denied.
DeviceFields device_fields(const Device& d, const UnlockAllSet& unlock_alls, const Context& ctx);

// The same as a JSON object.
View device_view(const Device& d, const UnlockAllSet& unlock_alls, const Context& ctx);

// Appends the fields as one JSON object, exactly as device_view(...).dump()
// prints it, without building the object (`list --json` of a million
// devices).
void append_json(std::string& out, const DeviceFields& fields);

using ops::journal;

// Prints one JSON value on one line to stdout.
void print_json(const View& j);

}  // namespace provlock::cli
