// unlock and unlock-all (SPEC §6).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "ops/session.hpp"
#include "store/store.hpp"

namespace provlock::ops {

// Unlocks each device of `macs` until `until`: any address may provision it
// once more. A blocked device needs `force`, and stays blocked underneath: if
// the unlock runs out unused it falls back to blocked; the fetch that uses it
// lifts the block. Each is journaled and then handed to `unlocked`; all are
// durable when this returns. A device that is not there
// (Error(Exit::no_device)), or blocked without `force` (Error(Exit::no_perm)),
// is left as it was and goes to `on_error`, as does any other failure, which
// `on_error` may throw on to stop.
void unlock(Session& s, const std::vector<Mac>& macs, UnixTime until, bool force,
            const std::function<void(const std::string& mac)>& unlocked,
            const store::OnError& on_error);

// unlock-all: every device of `scope` that exists now and is not blocked is
// unlocked until its next fetch (or `until`, whichever comes first). Writes
// one small record whatever the number of devices: each device learns of it
// when it is next judged (state.hpp). Journaled; returns the entry made.
UnlockAll unlock_all(Session& s, const AccountScope& scope, std::optional<UnixTime> until);

}  // namespace provlock::ops
