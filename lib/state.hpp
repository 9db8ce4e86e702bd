// The device states of SPEC §3, derived from a record, the unlock-alls and
// `now`. States are never stored: an unlock that runs out simply stops
// applying, and the device falls back to the state it had before it.
#pragma once

#include <optional>
#include <string>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/records.hpp"

namespace provlock {

enum class State { fresh, locked, stale, unlocked, blocked };

// "new", "locked", "stale", "unlocked", "blocked".
const char* state_name(State s);
// Inverse of state_name; nullopt for anything else.
std::optional<State> state_from_name(const std::string& name);

// The unlock in force for a device, if any.
struct ActiveUnlock {
  bool explicit_unlock = false;      // from `unlock` (else from `unlock-all`)
  std::optional<UnixTime> until;     // nullopt: until the next fetch
};

// An explicit unlock wins over an unlock-all. A `blocked` device is only
// unlocked explicitly (`unlock --force`), never by unlock-all.
std::optional<ActiveUnlock> active_unlock(const Device& d, const UnlockAllSet& unlock_alls,
                                          UnixTime now);

// Whether an unlock-all entry applies to a device: given after the device was
// added, not used up by a fetch since, in its account scope, not run out.
bool unlock_all_applies(const UnlockAll& u, const Device& d, UnixTime now);

// SPEC §3: blocked beats everything but an explicit (forced) unlock; then
// unlocked; locked once bound; stale when never provisioned and registered
// more than lock.stale_after ago (exactly stale_after ago is still new).
State state_of(const Device& d, const UnlockAllSet& unlock_alls, const Config& cfg, UnixTime now);

// A device as `add` registers it at `now`, in state `new`. The unlock-alls
// given before it was added never apply to it (SPEC §6): every id of `given`
// so far counts as seen.
// What `add` is told of the devices it registers.
struct Registration {
  std::string account;  // "" for none
  std::string label;
  std::string user;  // the device's own user name (Device::user), "" for none
};
Device new_device(const Mac& mac, const Registration& r, UnixTime now, const UnlockAllSet& given);

// Why `unlock` must refuse to unlock `d`, or nullopt when it may go ahead
// (SPEC §6): a blocked device is unlocked only with --force (`force`), so
// that a security hold ends only when an operator says its cause is known.
// The error carries exit 77 (not permitted) and names the device.
std::optional<Error> unlock_refusal(const Device& d, bool force);

}  // namespace provlock
