// Provisioning windows (SPEC §6): window open, close, list, and the windows
// `check` consults.
#pragma once

#include <vector>

#include "ops/session.hpp"

namespace provlock::ops {

// Opens (or, opened again, replaces) the window of `w.prefix`; journaled.
// Windows of different prefixes are separate, even when one lies within
// another.
void open_window(Session& s, const Window& w);

// Closes the window of exactly `prefix` (not one that contains it or lies
// within it); journaled. Returns whether one was open.
bool close_window(Session& s, const Prefix& prefix);

// The windows open at s.now. Records that cannot be read go to `on_error`.
std::vector<Window> open_windows(Session& s, const store::OnError& on_error);

// The windows whose prefix contains `ip`, open or not, for `check`: reads
// the window records, however many devices there are, and writes nothing.
// Throws Error(Exit::io) when a record that may be a window of `ip` cannot
// be read; unreadable windows of other addresses do not bear on it.
std::vector<Window> windows_covering(Session& s, const Ip& ip);

}  // namespace provlock::ops
