#include "lib/reason.hpp"

namespace provlock {

const char* token(Reason r) {
  switch (r) {
    case Reason::window:
      return "window";
    case Reason::unlocked:
      return "unlocked";
    case Reason::unlock_all:
      return "unlock-all";
    case Reason::authenticated:
      return "authenticated";
    case Reason::first_provision:
      return "first-provision";
    case Reason::same_ip:
      return "same-ip";
    case Reason::banned:
      return "banned";
    case Reason::unknown_device:
      return "unknown-device";
    case Reason::auth_mismatch:
      return "auth-mismatch";
    case Reason::blocked:
      return "blocked";
    case Reason::stale_registration:
      return "stale-registration";
    case Reason::locked:
      return "locked";
    case Reason::store_error:
      return "store-error";
    case Reason::no_mac:
      return "no-mac";
    case Reason::mac_mismatch:
      return "mac-mismatch";
  }
  return "unknown";
}

}  // namespace provlock
