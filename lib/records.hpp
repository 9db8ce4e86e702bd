// The records provlock keeps, and their JSON form on disk. Each record
// carries "format": kRecordFormat (windows and unlock-all sets: see
// kScopedRecordFormat); a record of another format, or one that lacks a field
// or has one of the wrong type, is refused with RecordError.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/ip.hpp"
#include "lib/mac.hpp"
#include "lib/timefmt.hpp"

namespace provlock {

inline constexpr int kRecordFormat = 1;

// Windows and unlock-all sets have a scope (AccountScope). provlock 0.1 wrote
// them in format 1, where "account": "" meant every account; it had no way to
// say "the devices without an account". Such a scope is written in format 2,
// which 0.1 refuses ("written by a newer provlock") instead of reading it as
// every account. Every other scope is still written in format 1, as 0.1
// wrote it, so that a store that never uses the new scope stays readable by
// 0.1 (a rolling upgrade, a downgrade). Both formats are read.
//   format 1: "account": "" (or absent, or null) = every account; "A" = A.
//   format 2: "account": null = every account; "" = no account; "A" = A;
//             the field must be there.
inline constexpr int kScopedRecordFormat = 2;

// A window of a prefix (`window open 198.51.100.0/24`) is written in format
// 3, with "prefix": "198.51.100.0/24" in place of "ip" and its scope as in
// format 2: provlock 0.1 and the provlock before prefix windows refuse it
// instead of reading it as a window of one address (they ignore a field they
// do not know). A window of one address (an IPv4 /32, an IPv6 /128) is still
// written with "ip", in format 1 or 2, as those wrote it. Formats 1 to 3 are
// read; "prefix" only from format 3, where a record has "ip" or "prefix".
inline constexpr int kWindowPrefixFormat = 3;

// A record that cannot be decoded. The store adds the file name.
class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fetch of a locked device from outside its binding (SPEC §5): when, and
// from which address.
struct ForeignFetch {
  UnixTime at = 0;
  Ip ip;
  friend bool operator==(const ForeignFetch&, const ForeignFetch&) = default;
};

// One phone. Its state (SPEC §3) is derived from these fields and `now`; see
// state.hpp. How each member is written in the record is declared once, in
// record_schema.hpp: a member added here is added there.
struct Device {
  Mac mac;
  std::string account;
  std::string label;
  // The HTTP user name that is this device's own identity besides its MAC
  // (`add --user`, SPEC §4); "" for none.
  std::string user;
  UnixTime registered = 0;

  // Set by the first successful fetch; changed by every re-binding fetch.
  std::optional<Ip> bound_ip;
  std::optional<UnixTime> bound_at;
  std::optional<UnixTime> first_provisioned;

  // An explicit unlock (`unlock`), in force while now < unlock_until. Cleared
  // by the fetch that uses it.
  std::optional<UnixTime> unlock_until;
  // unlock-all entries with an id at or below this one do not apply: they
  // came before the device was added, or a fetch has used them up.
  std::uint64_t unlock_all_seen = 0;

  // Security hold (SPEC §5); only `unlock --force` and the fetch that uses
  // that unlock lift it.
  bool blocked = false;
  std::optional<UnixTime> blocked_at;
  // Recent fetches from outside the binding, oldest first: the latest one
  // of each address (an IPv6 address by its ban.ipv6_prefix), at most
  // suspicious.max_foreign + 1 of them. 0.1 kept only times; those entries
  // are forgotten when read.
  std::vector<ForeignFetch> foreign;

  std::optional<UnixTime> last_seen;
  std::optional<Ip> last_ip;
  std::uint64_t allowed = 0;
  std::uint64_t denied = 0;
};

// Which devices an unlock-all or a window covers (SPEC §6): every device
// (nullopt: `--account` left out), or the devices of one account, where ""
// is the devices without an account. "" never means every account.
using AccountScope = std::optional<std::string>;

// Whether a device of `account` ("" for none) is within `scope`.
inline bool in_scope(const AccountScope& scope, const std::string& account) {
  return !scope || *scope == account;
}

// One `unlock-all`: devices of `account` that existed when it was given are
// unlocked until their next fetch, or until `until` when set.
struct UnlockAll {
  std::uint64_t id = 0;
  UnixTime at = 0;
  AccountScope account;
  std::optional<UnixTime> until;
};

// All unlock-alls still in force, in one small record so that `check` reads
// one file and `unlock-all` writes one, whatever the number of devices.
struct UnlockAllSet {
  std::uint64_t last_id = 0;  // never decreases, even when entries expire
  std::vector<UnlockAll> entries;
};

// A provisioning window: any device of `account` fetching from an address
// within `prefix` while opened <= now < until is allowed and re-bound to that
// address. The prefix is one window_prefix_allowed (lib/window.hpp) allows.
struct Window {
  Prefix prefix;
  AccountScope account;
  UnixTime opened = 0;
  UnixTime until = 0;
};

// What is known about one address (IPv4) or prefix (IPv6 /ban.ipv6_prefix,
// or an operator's CIDR): its recent counted fetches and its ban. `check`
// reads it on every request, as it reads the device; how each member is
// written is declared once, in record_schema.hpp.
struct AddressRecord {
  Prefix prefix;
  // Times of counted fetches within ban.find_time, oldest first, at most
  // ban.max_attempts + 1 long.
  std::vector<UnixTime> attempts;
  std::optional<UnixTime> banned_since;
  std::optional<UnixTime> banned_until;
  std::string reason;  // "auto" or "manual"
  std::uint32_t times_banned = 0;
  std::int64_t last_ban_length = 0;
  UnixTime last_activity = 0;
  // Times of successful self-unbans within the last 24h.
  std::vector<UnixTime> self_unbans;
  // When a registered device was last allowed from here, to within a day: an
  // allowed fetch writes it only when it is unset or a day old, so that
  // fetches allowed all day long write nothing more. It makes the address
  // "known" for a self-unban (SPEC §5, ban.self_unban_known).
  std::optional<UnixTime> last_allowed;

  bool banned_at(UnixTime now) const { return banned_until && !ran_out(*banned_until, now); }
};

// Bans of whole ranges: an operator's (`ban add 192.0.2.0/24`, any prefix
// that is not one counting key: an IPv4 address, an IPv6 /ban.ipv6_prefix),
// and provlock's group bans of an IPv6 /ban.ipv6_group_prefix (SPEC §5). Kept
// in one small record that `check` reads beside the address record.
struct RangeBan {
  Prefix prefix;
  UnixTime since = 0;
  UnixTime until = 0;
  // A group ban: how many of its prefixes were banned at once when it was
  // imposed or last extended. 0: an operator's range ban.
  std::uint32_t group_members = 0;

  bool is_group() const { return group_members > 0; }
};
// One automatic ban of an IPv6 prefix, remembered while it is in force so
// that the bans within one group prefix can be told (SPEC §5, /48 bans).
struct MemberBan {
  Prefix prefix;
  UnixTime until = 0;
};
struct RangeBans {
  std::vector<RangeBan> entries;
  // Provlock's own bans in force of IPv6 prefixes (ban.ipv6_prefix wide),
  // bounded (lib/bans.hpp, note_member_ban).
  std::vector<MemberBan> members = {};

  // The range ban in force at `now` that contains `ip`, if any.
  const RangeBan* find(const Ip& ip, UnixTime now) const {
    for (const RangeBan& r : entries)
      if (!ran_out(r.until, now) && r.prefix.contains(ip)) return &r;
    return nullptr;
  }
};

// The store-wide rules every check consults: the unlock-alls and the range
// bans. One small record, so that a check reads them in one read whatever the
// number of devices, and ban state adds only the address record to a check.
struct StoreRules {
  UnlockAllSet unlock_alls;
  RangeBans range_bans;
};

nlohmann::json to_json(const Device& d);
nlohmann::json to_json(const RangeBans& r);
nlohmann::json to_json(const StoreRules& r);
nlohmann::json to_json(const UnlockAllSet& s);
nlohmann::json to_json(const Window& w);
nlohmann::json to_json(const AddressRecord& a);

// Decoders: throw RecordError saying what is wrong.
Device device_from_json(const nlohmann::json& j);
UnlockAllSet unlock_alls_from_json(const nlohmann::json& j);
Window window_from_json(const nlohmann::json& j);
AddressRecord address_from_json(const nlohmann::json& j);
RangeBans range_bans_from_json(const nlohmann::json& j);
StoreRules store_rules_from_json(const nlohmann::json& j);

}  // namespace provlock
