// add and remove (SPEC §8): the devices provlock knows.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lib/mac.hpp"
#include "lib/state.hpp"
#include "ops/session.hpp"

namespace provlock::ops {

// Adds each device of `macs` as `r` says (account, label, user), registered now,
// unless it exists already: an existing device is never changed, so that
// office-move scripts can run again. Each one added is journaled. Returns,
// for each MAC, whether it was added; all are durable when this returns.
std::vector<bool> add_devices(Session& s, const std::vector<Mac>& macs, const Registration& r);

// Removes each device of `macs`, journaling each, and hands it to `removed`
// once it is gone; all are durable when this returns. Returns the MACs that
// were not there. Any failure goes to `on_error`, which may throw it on.
std::vector<std::string> remove_devices(Session& s, const std::vector<Mac>& macs,
                                        const std::function<void(const std::string& mac)>& removed,
                                        const store::OnError& on_error);

}  // namespace provlock::ops
