// Counting fetches per address and banning (SPEC §5).
//
// The window is an exact sliding window kept as a log of the last
// ban.max_attempts + 1 counted fetch times: exact at its edges (a fetch
// exactly ban.find_time after another no longer sees it), and bounded in space
// whatever the request rate, because only the newest max_attempts + 1 times
// can ever decide whether the limit is crossed.
#pragma once

#include <optional>

#include "lib/config.hpp"
#include "lib/records.hpp"

namespace provlock {

// The address or prefix an IP is counted and banned by: an IPv4 address
// itself, an IPv6 address's /ban.ipv6_prefix.
Prefix ban_key(const Ip& ip, const Config& cfg);

// Whether a fetch from `ip` with this outcome is counted: never for an
// address on ban.ignore; denied fetches only unless ban.count = "all".
bool fetch_counts(const Ip& ip, bool denied, const Config& cfg);

// What keeps `ip` out at `now` (SPEC §4 step 1), if anything: a range ban
// over it, and the ban of its own record. `key_record` must be the record of
// ban_key(ip, cfg) (nullopt: there is none): the IPv4 address itself, or the
// IPv6 prefix of ban.ipv6_prefix bits that `ip` falls in, so that a ban of a
// /64 (or of a /48 when the config counts by /48) keeps out every address in
// it. Both are set when both apply; a caller that tells the ban apart names
// the range ban first, since it stands whatever becomes of the other.
struct IpBan {
  const RangeBan* range = nullptr;         // points into `ranges`
  const AddressRecord* address = nullptr;  // points into `key_record`
  explicit operator bool() const { return range || address; }
};
IpBan ip_ban(const Ip& ip, const std::optional<AddressRecord>& key_record, const RangeBans& ranges,
             UnixTime now);
// The answer points into its arguments: temporaries would leave it dangling.
IpBan ip_ban(const Ip&, std::optional<AddressRecord>&&, const RangeBans&, UnixTime) = delete;
IpBan ip_ban(const Ip&, const std::optional<AddressRecord>&, RangeBans&&, UnixTime) = delete;

// Drops the counted fetches of `rec` that no longer count at `now`: those
// ban.find_time or more ago (a fetch exactly find_time after another no
// longer sees it). Returns how many it dropped.
std::size_t drop_old_attempts(AddressRecord& rec, const Config& cfg, UnixTime now);

// Records one counted fetch at `now`. Returns true when this fetch crossed
// the limit: the record is then banned (reason "auto") from the next request
// on, for the escalated length.
bool count_fetch(AddressRecord& rec, const Config& cfg, UnixTime now);

// Bans `rec` at `now` for `length` seconds, or, when `length` is nullopt, for
// the escalated length: ban.ban_time the first time, then ban.factor times
// the previous ban, at most ban.max_ban_time.
void impose_ban(AddressRecord& rec, const Config& cfg, UnixTime now, std::optional<std::int64_t> length,
                const char* reason);

// Why the address of `rec` may not lift its own ban at `now` itself (SPEC
// §5), or nullopt when it may. Only a ban provlock imposed ("auto") can be
// self-lifted, never an operator's `ban add` ("manual"), and only
// ban.self_unban_max times in any 24 hours (0: never). Range bans are kept
// elsewhere (RangeBans) and are the caller's to check: none of them can be
// self-lifted either.
enum class SelfUnbanBar { not_banned, operator_ban, turned_off, over_limit };
std::optional<SelfUnbanBar> self_unban_bar(const AddressRecord& rec, const Config& cfg,
                                           UnixTime now);

// The self-unbans of `rec` that count at `now`: those of the last 24 hours.
std::size_t recent_self_unbans(const AddressRecord& rec, UnixTime now);

// Lifts the ban of `rec` (by the operator, on its own request, or because
// it ran out): it may fetch again and its count starts afresh; how often it
// was banned stays, so that its next ban escalates.
void lift_ban(AddressRecord& rec);

// Lifts the ban of `rec` on its own request (the caller has checked
// self_unban_bar): the self-unban is remembered, and those older than the
// self-unban window (24 hours) are forgotten.
void self_lift_ban(AddressRecord& rec, UnixTime now);

// The escalated length of the next ban of `rec`.
std::int64_t next_ban_length(const AddressRecord& rec, const Config& cfg);

}  // namespace provlock
