// unlock and unlock-all (SPEC §6).
#pragma once

#include <optional>

#include "ops/session.hpp"
#include "store/store.hpp"

namespace provlock::ops {

// Unlocks the device `mac` until `until`: any address may provision it once
// more. A blocked device needs `force`, and stays blocked underneath: if the
// unlock runs out unused it falls back to blocked; the fetch that uses it
// lifts the block. Written as `how` says (store::Write::relaxed for one of
// many, with a sync at the end) and journaled. Throws Error(Exit::no_device)
// when there is no such device, Error(Exit::no_perm) for a blocked one
// without `force`; nothing is written then.
void unlock(Session& s, const Mac& mac, UnixTime until, bool force, store::Write how);

// unlock-all: every device of `scope` that exists now and is not blocked is
// unlocked until its next fetch (or `until`, whichever comes first). Writes
// one small record whatever the number of devices: each device learns of it
// when it is next judged (state.hpp). Journaled; returns the entry made.
UnlockAll unlock_all(Session& s, const AccountScope& scope, std::optional<UnixTime> until);

}  // namespace provlock::ops
