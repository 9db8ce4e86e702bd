// The decision of SPEC §4: a pure function of the records that apply to a
// fetch, the request, the configuration and `now`.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "lib/config.hpp"
#include "lib/identity.hpp"
#include "lib/reason.hpp"
#include "lib/records.hpp"
#include "lib/state.hpp"

namespace provlock {

// One fetch of a device's configuration.
struct Fetch {
  Mac mac;
  Ip ip;
  Identity identity;  // who the web server says is asking (none: anonymous)
};

// The records that bear on a fetch, loaded by the caller.
struct FetchRecords {
  bool ip_banned = false;
  const Device* device = nullptr;        // nullptr: unknown MAC
  // The windows that may cover this IP (any others are passed over).
  std::span<const Window> windows;
  const UnlockAllSet* unlock_alls = nullptr;  // nullptr: none
};

struct Decision {
  bool allow = false;
  // window, unlocked, unlock-all, authenticated, first-provision or same-ip
  // when allowed; banned, unknown-device, auth-mismatch, blocked,
  // stale-registration or locked when denied (store-error is the caller's).
  Reason reason = Reason::unknown_device;
  // The device as the fetch leaves it (last seen, counters, binding, unlock
  // used up, foreign attempts, block); nullopt for an unknown MAC. A banned
  // fetch of a known device updates its last seen, last IP and counters.
  std::optional<Device> device;
  // True when the change alters who may fetch (a binding, a used unlock, a
  // block): such a write must be durable.
  bool binding_changed = false;
};

// SPEC §4 steps 1 to 11, first match wins. Does not count the fetch against
// its IP: see count_fetch in bans.hpp.
Decision decide(const Fetch& fetch, const FetchRecords& records, const Config& cfg, UnixTime now);

// Whether `ip` falls within the device's binding (lock.bind_prefix_v4/_v6).
bool same_binding(const Ip& bound, const Ip& ip, const Config& cfg);

// Whether a window is open at `now`: from `opened` up to, not including,
// `until` (window_ran_out).
bool window_open(const Window& w, UnixTime now);

// Whether a window is open for the device at `now` (window_open, account
// scope).
bool window_admits(const Window& w, const Device& d, UnixTime now);

// Whether a window lets the device fetch from `ip` at `now` (SPEC §4 step 5):
// its prefix contains the address and it admits the device.
bool window_admits(const Window& w, const Device& d, const Ip& ip, UnixTime now);

// The first of `windows` that lets the device fetch from `ip` at `now`, if
// any. Windows add up: a narrower window (a /32 of one account inside an
// every-account /24) never takes away what a wider one allows, so any window
// that admits the device will do.
const Window* admitting_window(std::span<const Window> windows, const Device& d, const Ip& ip,
                               UnixTime now);

}  // namespace provlock
