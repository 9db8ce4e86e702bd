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
#include "lib/reason.hpp"
#include "lib/records.hpp"

namespace provlock {

// The address or prefix an IP is counted and banned by: an IPv4 address
// itself, an IPv6 address's /ban.ipv6_prefix.
Prefix ban_key(const Ip& ip, const Config& cfg);

// Whether `ip` is on ban.ignore: never counted, never banned automatically.
bool ban_ignored(const Ip& ip, const Config& cfg);

// Whether a denial for `reason` looks like scanning (SPEC §5): it names no
// registered device (unknown-device, a CGI request naming no MAC: no-mac),
// names two (mac-mismatch), or comes with another device's identity
// (auth-mismatch). The locked, blocked and stale-registration denials of a
// registered device do not: an office whose address changed, or whose phones
// were plugged in late, asks with its own phones' MACs, and those denials are
// handled per device (suspicious.max_foreign).
bool looks_like_scan(Reason reason);

// Whether a fetch from `ip`, allowed or not for `reason`, is counted against
// its address: never for an address on ban.ignore; otherwise as ban.count
// says: "scans" (the default) the denials that look_like_scan, "denied" every
// denial, "all" every fetch. A fetch denied because its address was banned
// is given to this as what it asked for: `banned` when it named a registered
// device (then not a scan), unknown-device when it did not (ops/check.cpp).
bool fetch_counts(const Ip& ip, bool allowed, Reason reason, const Config& cfg);

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
// self-lifted, never an operator's `ban add` ("manual"); only when
// ban.self_unban_max is not 0; only by a known address (address_known) or a
// request that carries a registered device's own identity (`own_identity`);
// and only ban.self_unban_max times in any 24 hours. Range and group bans are
// kept elsewhere (RangeBans) and are the caller's to check: none of them can
// be self-lifted either.
enum class SelfUnbanBar { not_banned, operator_ban, turned_off, unknown_address, over_limit };
std::optional<SelfUnbanBar> self_unban_bar(const AddressRecord& rec, const Config& cfg,
                                           UnixTime now, bool own_identity);

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

// A fetch allowed from the address of `rec` at `now` leaves a trace there
// (last_allowed), which makes the address known for a self-unban. Returns
// whether the record changed: only when last_allowed is unset or a day or
// more old, so that an address whose phones are allowed all day long is
// written at most once a day (the up to a day of slack: an address is known
// for between ban.self_unban_known - 1d and ban.self_unban_known after its
// last allowed fetch).
bool note_allowed(AddressRecord& rec, UnixTime now);

// Whether note_allowed would change `rec` (nullopt: no record yet) at `now`:
// lets an allowed fetch skip the write, and the lock, most of the time.
bool allowed_trace_due(const std::optional<AddressRecord>& rec, UnixTime now);

// Whether the address of `rec` is known at `now` (SPEC §5): a registered
// device was allowed from it within ban.self_unban_known (note_allowed).
bool address_known(const AddressRecord& rec, const Config& cfg, UnixTime now);

// The group prefix of an IPv6 counting key (its /ban.ipv6_group_prefix), or
// nullopt when group bans do not apply to it: an IPv4 address, or a key no
// longer than the group prefix.
std::optional<Prefix> ban_group(const Prefix& key, const Config& cfg);

// The most member bans and group bans that note_member_ban keeps in a
// RangeBans record, whatever the number of prefixes banned: at them the
// rules record stays far below the store's 1 MiB record limit, and every
// check reads it. Past them the bans that end soonest are forgotten (each
// member stays banned by its own address record).
inline constexpr std::size_t kMaxMemberBans = 2000;
inline constexpr std::size_t kMaxGroupBans = 1000;

// Notes that provlock banned the IPv6 counting key `member` at `now` until
// `until` (SPEC §5, /48 bans): member bans that ran out and an earlier ban of
// the same member are forgotten; when more than ban.ipv6_group_bans distinct
// members of its group prefix (ban_group) are then in force, the group
// prefix is banned (a range ban with group_members set) until the last of
// them ends, or such a ban is extended to then. Only the
// ban.ipv6_group_bans + 1 members of a group that end last are kept: no
// others can change the answer. Returns the group ban imposed or extended;
// nullopt when none was (or when group bans do not apply to `member`). A
// member ban lifted early (ban remove, self-unban) does not shorten its
// group's ban.
std::optional<RangeBan> note_member_ban(RangeBans& bans, const Prefix& member, UnixTime until,
                                        const Config& cfg, UnixTime now);

// Forgets the member bans that ran out at `now`; returns how many.
std::size_t expire_member_bans(RangeBans& bans, UnixTime now);

// The escalated length of the next ban of `rec`.
std::int64_t next_ban_length(const AddressRecord& rec, const Config& cfg);

}  // namespace provlock
