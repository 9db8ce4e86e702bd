// The reasons a fetch is allowed or denied (SPEC §4, §7), each with the one
// stable token that `check` prints after allow/deny and that the journal,
// --json and the CGI's 403 lines carry. Outside scripts match the tokens.
#pragma once

#include <string_view>

namespace provlock {

enum class Reason {
  // allow
  window,
  unlocked,
  unlock_all,
  authenticated,
  first_provision,
  same_ip,
  // deny, by the decision
  banned,
  unknown_device,
  auth_mismatch,  // an identity was given and it is not the device's
  blocked,
  stale_registration,
  locked,
  // deny, around it
  store_error,   // the records could not be read or written
  no_mac,        // a CGI request that names no device
  mac_mismatch,  // a CGI request that names two different devices
};

// "same-ip", "unknown-device", ...
const char* token(Reason r);

// Whether `r` is the reason with token `t`: lets code and tests read as the
// contract does (reason == "locked").
inline bool operator==(Reason r, std::string_view t) {
  return std::string_view(token(r)) == t;
}

}  // namespace provlock
