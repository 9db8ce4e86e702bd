// What `expire` ends (SPEC §9), one record at a time. `expire` scans the
// store and writes; these decide. Each limit runs out at its second (see
// ran_out in timefmt.hpp): what is in force until T is still in force at
// T - 1 and has run out at T.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>

#include "lib/config.hpp"
#include "lib/records.hpp"

namespace provlock {

// Whether the explicit unlock of `d` has run out (unlock_until <= now). An
// unlock that runs out unused is cleared, and the device falls back to the
// state it had before it (SPEC §3).
bool unlock_ran_out(const Device& d, UnixTime now);

// Clears the explicit unlock of `d` when it has run out; returns whether it
// did.
bool expire_unlock(Device& d, UnixTime now);

// Whether an unlock-all given with --hours has run out (one without a time
// never does: it lasts until each device's next fetch).
bool unlock_all_ran_out(const UnlockAll& u, UnixTime now);

// What a scan of every device tells about the unlock-alls given up to
// `given_up_to` (the set's last_id when the scan began): which of them some
// device can still use. `every_device_read` is false when a device could not
// be read: it might still use any of them.
struct UnlockAllUse {
  std::uint64_t given_up_to = 0;
  std::set<std::uint64_t> in_use;
  bool every_device_read = true;
};

// Notes in `use` which of the unlock-alls of `given` the device `d` can
// still use at `now` (unlock_all_applies).
void note_unlock_all_use(UnlockAllUse& use, const Device& d, const UnlockAllSet& given,
                         UnixTime now);

// Whether `u` is over at `now`: it has run out, or no device can use it any
// more. The latter needs a scan that read every device and came after `u`
// was given; then every device in its scope has fetched since (devices added
// later never can use it). An unlock-all given after the scan began is never
// judged by it.
bool unlock_all_over(const UnlockAll& u, const UnlockAllUse& use, UnixTime now);

// Removes the unlock-alls that are over; returns how many. last_id stays, so
// that an id never repeats.
std::size_t expire_unlock_alls(UnlockAllSet& set, const UnlockAllUse& use, UnixTime now);

// Whether an operator's range ban has run out.
bool range_ban_ran_out(const RangeBan& b, UnixTime now);

// Removes the range bans that have run out; returns how many.
std::size_t expire_range_bans(RangeBans& bans, UnixTime now);

// Whether the ban of an address record has run out (a record that was never
// banned, or whose ban was lifted, has no ban to run out).
bool ban_ran_out(const AddressRecord& a, UnixTime now);

// Whether an address is quiet at `now`: it has no ban (one that ran out is
// lifted first, see expire_address) and has made no counted fetch and had no
// ban for ban.max_ban_time. Its counters and ban history are then forgotten,
// so that its next ban is a first one again.
bool address_quiet(const AddressRecord& a, const Config& cfg, UnixTime now);

// Whether an address is forgotten at `now`, its record removed: it is quiet
// and no longer known (address_known: no registered device was allowed from
// it within ban.self_unban_known). A quiet address that is still known keeps
// a record of that alone.
bool address_forgotten(const AddressRecord& a, const Config& cfg, UnixTime now);

// What expire_address did to an address record.
struct AddressExpiry {
  bool ban_lifted = false;       // its ban ran out (lift_ban)
  bool forgotten = false;        // the record is to be removed
  bool history_forgotten = false;  // quiet but known: only last_allowed is kept
  std::size_t old_attempts = 0;    // counted fetches dropped (drop_old_attempts)
  bool changed() const { return ban_lifted || forgotten || history_forgotten || old_attempts > 0; }
};

// An address record as expire leaves it at `now`: a ban that ran out is
// lifted (and remembered, so that the next one escalates); then the address
// is forgotten if address_forgotten says so, or its history if it is quiet
// but known, or else the counted fetches older than ban.find_time are
// dropped. When `forgotten` is set, the caller
// removes the record and `a` is no longer meaningful.
AddressExpiry expire_address(AddressRecord& a, const Config& cfg, UnixTime now);

// Whether a window has run out. A window opened later than `now` (a replay
// with --now) has not: see window_open in policy.hpp for whether it is open.
bool window_ran_out(const Window& w, UnixTime now);

}  // namespace provlock
