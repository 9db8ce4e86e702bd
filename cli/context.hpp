// What every command runs with: the configuration, the store, `now` (read
// once, here at the top, and handed down), and how to print.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/timefmt.hpp"
#include "ops/session.hpp"
#include "store/store.hpp"

namespace provlock::cli {

// The global options, from flags or the environment.
struct Globals {
  std::string store;   // --store, PROVLOCK_STORE
  std::string config;  // --config, PROVLOCK_CONFIG
  std::string now;     // --now, PROVLOCK_NOW
  bool json = false;   // --json
};

// Tells of an error that a command goes on after (an unreadable record
// among many, one MAC of several, a store failure behind an answer): main
// writes it as it writes the error that ends a command, "provlock: <what>"
// on stderr, after what the command printed to stdout so far. Commands
// never write an error line themselves.
using Reporter = std::function<void(const Error& error)>;

// A command's session (ops/session.hpp) and how it prints.
struct Context : ops::Session {
  Globals globals;         // what it was made from (a long-running front re-makes it)
  bool now_fixed = false;  // --now or PROVLOCK_NOW gave the time
  bool json = false;
  Reporter report;  // main's; never empty
};

// Resolves flags over environment over config file over built-in defaults,
// loads the config (a missing default config file means built-in defaults;
// a missing file named by --config or PROVLOCK_CONFIG is an error, 78), reads
// the clock unless --now/PROVLOCK_NOW gives the time, and opens the store
// (lazily: nothing on disk is touched yet). `report` becomes ctx.report.
Context make_context(const Globals& globals, Reporter report);

// {"user": name, "uid": uid} of the calling user. Looked up only when a
// journal entry is written, since a user database lookup is slow to start.
store::Json who_am_i();

// The wall clock, in whole seconds. Read only at the top of a command (or of
// each request of a batch), and handed down from there.
UnixTime clock_now();

// The configuration alone (for commands that need no store).
Config load_config(const Globals& globals);

// The config file load_config reads: --config, else PROVLOCK_CONFIG, else
// the default path.
std::string config_path(const Globals& globals);

}  // namespace provlock::cli
