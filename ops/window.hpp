// Provisioning windows (SPEC §6): window open, close, list.
#pragma once

#include <vector>

#include "ops/session.hpp"

namespace provlock::ops {

// Opens (or, opened again, replaces) the window of `w.ip`; journaled.
void open_window(Session& s, const Window& w);

// Closes the window of `ip`; journaled. Returns whether one was open.
bool close_window(Session& s, const Ip& ip);

// The windows open at s.now. Records that cannot be read go to `on_error`.
std::vector<Window> open_windows(Session& s, const store::OnError& on_error);

}  // namespace provlock::ops
