// check (SPEC §4): one fetch judged end to end: load what applies, decide,
// write what changed, journal, count the fetch against its address. The one
// use case behind `check`, `check --batch` and the CGI front.
#pragma once

#include <optional>
#include <string>

#include "lib/policy.hpp"
#include "ops/session.hpp"

namespace provlock::ops {

struct FetchResult {
  bool allow = false;
  Reason reason = Reason::store_error;  // SPEC §4, or store-error
  std::optional<Device> device;  // as the fetch left it (or would, in a dry run)
  UnlockAllSet unlock_alls;
  bool newly_banned = false;         // this fetch crossed the ban limit
  std::optional<Error> store_error;  // set when reason is "store-error"
};

// How many times a decision is taken before a store whose records kept
// changing under it (Store::commit_decision) gives up: deny store-error, 75.
inline constexpr int kDecisionTries = 16;

// Judges `fetch` at s.now. With `dry_run` nothing is written. A store
// failure never throws: it yields deny store-error with the error kept, so
// the caller can exit with its code (74, 73 or 75).
FetchResult judge_fetch(Session& s, const Fetch& fetch, bool dry_run);

// Counts one fetch from `ip` against its address, after its decision (SPEC
// §4, §5): as fetch_counts says for one `allowed` or not for `reason`, never
// from ban.ignore. With `trace_allowed` (an allowed fetch whose address
// record's last_allowed is due, allowed_trace_due) the fetch also leaves its
// trace there, as bookkeeping. Journals the ban when this fetch crosses the
// limit, and the group ban when that ban makes its IPv6 group prefix banned,
// and returns whether it crossed the limit. Throws Error on store failure.
bool count_against_address(Session& s, const Ip& ip, bool allowed, Reason reason,
                           bool trace_allowed = false);

}  // namespace provlock::ops
