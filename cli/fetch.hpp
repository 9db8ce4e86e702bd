// One fetch judged end to end: load what applies, decide, write what
// changed, journal, count the fetch against its address. Shared by `check`
// and the CGI front.
#pragma once

#include <optional>
#include <string>

#include "cli/common.hpp"
#include "lib/policy.hpp"

namespace provlock::cli {

struct FetchResult {
  bool allow = false;
  std::string reason;                 // SPEC §4 token, or "store-error"
  std::optional<Device> device;       // as the fetch left it (or would, in a dry run)
  UnlockAllSet unlock_alls;
  bool newly_banned = false;          // this fetch crossed the ban limit
  std::optional<Error> store_error;   // set when reason is "store-error"
};

// Judges `fetch` at ctx.now. With `dry_run` nothing is written. A store
// failure never throws: it yields deny store-error with the error kept, so
// the caller can exit with its code (74, 73 or 75).
FetchResult judge_fetch(Context& ctx, const Fetch& fetch, bool dry_run);

// Counts one fetch from `ip` against its address, after its decision (SPEC
// §4): every fetch with ban.count = "all", denied ones otherwise, none from
// ban.ignore. Journals the ban when this fetch crosses the limit, and returns
// whether it did. Throws Error on store failure.
bool count_against_address(Context& ctx, const Ip& ip, bool denied);

// The line `check` prints ("allow same-ip") and the --json object.
std::string decision_line(const FetchResult& r);
View decision_view(const FetchResult& r, const Fetch& fetch, const Context& ctx);

}  // namespace provlock::cli
