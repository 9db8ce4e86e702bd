// Identity (SPEC §4, §7): who the web server says is asking, after it
// verified it, and whether that is the device's own. A credential is a key to
// one phone, never to every phone: a user name opens only the device it
// belongs to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/mac.hpp"
#include "lib/records.hpp"

namespace provlock {

// The longest user name provlock keeps or compares (bytes). HTTP servers take
// longer ones, but no phone's user name comes near it.
inline constexpr std::size_t kMaxUserName = 256;

// What a request says of who is asking. Each part is optional; none given
// means an anonymous fetch.
struct Identity {
  // A user name the web server verified (`check --user`, REMOTE_USER).
  std::optional<std::string> user;
  // The MAC a verified client certificate names (SPEC §7).
  std::optional<Mac> certificate;
  // `check --authenticated`: the caller's promise that the credentials it
  // checked are this device's own.
  bool promised = false;

  bool given() const { return user || certificate || promised; }
};

// Whether the user name `name` is the identity of `d`: its MAC in any
// accepted form, its `user` (add --user), or, with auth.account_users, its
// account (one credential per customer). "" is nobody's.
bool own_user(const Device& d, std::string_view name, const Config& cfg);

// Whether `id` speaks for `d`: the promise, a certificate naming its MAC, or
// a user name that is its own. Any own part is enough (a phone may send both
// a certificate and a user name).
bool own_identity(const Identity& id, const Device& d, const Config& cfg);

// Why `name` cannot be a device's user name (`add --user`), or nullopt when
// it can: not empty, at most kMaxUserName bytes, UTF-8 without control
// characters (it is compared with what a web server passes as REMOTE_USER),
// and not the MAC of another device (that MAC's credentials would open this
// device too). The error (exit 65) names the value.
std::optional<Error> user_name_refusal(std::string_view name, const Mac& mac);

}  // namespace provlock
