// How `check` prints a judged fetch (ops/check.hpp).
#pragma once

#include <string>

#include "cli/common.hpp"
#include "ops/check.hpp"

namespace provlock::cli {

using ops::count_against_address;
using ops::FetchResult;
using ops::judge_fetch;

// The line `check` prints ("allow same-ip") and the --json object.
std::string decision_line(const FetchResult& r);
View decision_view(const FetchResult& r, const Fetch& fetch, const Context& ctx);

}  // namespace provlock::cli
