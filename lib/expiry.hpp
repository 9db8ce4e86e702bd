// What `expire` ends (SPEC §9), one record at a time. `expire` scans the
// store and writes; these decide. Each limit runs out at its second (see
// ran_out in timefmt.hpp): what is in force until T is still in force at
// T - 1 and has run out at T.
#pragma once

#include "lib/config.hpp"
#include "lib/records.hpp"

namespace provlock {

// Whether a window has run out. A window opened later than `now` (a replay
// with --now) has not: see window_open in policy.hpp for whether it is open.
bool window_ran_out(const Window& w, UnixTime now);

}  // namespace provlock
