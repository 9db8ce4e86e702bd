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

// Whether `name` can be a user name a web server verified (REMOTE_USER,
// `check --user`, a --batch line's user=NAME) and so be compared with the
// devices' own: UTF-8 of at most kMaxUserName bytes. Anything else is
// refused before it is looked at (kUserNameRule says why, for messages).
bool usable_user_name(std::string_view name);
inline constexpr std::string_view kUserNameRule = "UTF-8, at most 256 bytes";
static_assert(kMaxUserName == 256, "kUserNameRule spells kMaxUserName");

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

// The MAC a client certificate's subject field names (cgi.cert_fields, SPEC
// §7), looked for conservatively, since it becomes the identity of a
// device:
//   - the whole value is a MAC in any accepted form (try_parse_mac), or
//   - the value holds MACs written as 12 hex digits, or as six pairs of hex
//     digits joined by ':' or by '-', each bounded on both sides by the
//     ends of the value or by characters that cannot continue it (not a hex
//     digit; for the joined forms, not another joiner and pair either), all
//     of them the same MAC: Cisco's "SEP001122AABBCC", "Yealink
//     001565aabbcc", "CP-7962G-SEP001122AABBCC".
// A MAC written against hex letters ("SPAA01122AABBCC" is 13 digits) is not
// found; a MAC-shaped run that is no MAC (all-zero, all-ones, group) names
// nothing. Two different MACs make the field name none (`conflict`): the
// certificate is then no identity, and the caller says why in its log.
struct CertificateMac {
  std::optional<Mac> mac;
  bool conflict = false;  // the field names two different MACs
};
CertificateMac mac_in_certificate_field(std::string_view value);

// Why `name` cannot be a device's user name (`add --user`), or nullopt when
// it can: not empty, at most kMaxUserName bytes, UTF-8 without control
// characters (it is compared with what a web server passes as REMOTE_USER),
// and not the MAC of another device (that MAC's credentials would open this
// device too). The error (exit 65) names the value.
std::optional<Error> user_name_refusal(std::string_view name, const Mac& mac);

}  // namespace provlock
