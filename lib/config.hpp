// provlock's configuration (SPEC §8): every key, its built-in default, and
// the parser of the TOML file. Reading the file is the caller's job; this
// module only turns text into a Config.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/ip.hpp"
#include "lib/vendor.hpp"

namespace provlock {

inline constexpr const char* kDefaultConfigPath = "/etc/provlock/provlock.toml";
inline constexpr const char* kDefaultStorePath = "/var/lib/provlock";

// The largest value of a configured count that keeps a list in a record
// (ban.max_attempts, suspicious.max_foreign, ban.self_unban_max): a record
// at it stays far below the store's 1 MiB record limit, and counting a fetch
// stays cheap (tests at the maximum: bans_test, policy_test).
inline constexpr int kMaxCount = 1000;
// Which fetches count toward a ban (ban.count, SPEC §5): the denials that
// look like scanning (the default), every denial, or every fetch.
enum class BanCount { scans, denied, all };

// The longest configured duration: 100 years (36500d).
inline constexpr std::int64_t kMaxConfigDuration = std::int64_t{36500} * 86400;

struct Config {
  struct Store {
    std::string path = kDefaultStorePath;
    std::int64_t lock_timeout_ms = 5000;
    // store.durability = "bindings" (false, the default): only writes that
    // change who may fetch (a binding, a used unlock, a block, a ban) are
    // flushed to stable storage before a command returns; bookkeeping (last
    // seen, counters, counted attempts) is written atomically but not
    // flushed. "full" (true): every write is flushed.
    bool sync_bookkeeping = false;
    // An etcd store's (SPEC §8): the deadline of one request to one
    // endpoint, the rounds over the endpoints after the first, and TLS (the
    // CA of the servers' certificates; a client certificate and its key).
    std::int64_t timeout_ms = 2000;
    int retries = 2;
    std::string ca, cert, key;
  } store;

  struct Lock {
    std::int64_t stale_after = 7 * 86400;  // seconds
    std::int64_t unlock_for = 7 * 86400;
    int bind_prefix_v4 = 32;
    int bind_prefix_v6 = 64;
  } lock;

  struct Ban {
    int max_attempts = 20;
    std::int64_t find_time = 3600;
    std::int64_t ban_time = 3600;
    BanCount count = BanCount::scans;
    double factor = 2.0;
    std::int64_t max_ban_time = 7 * 86400;
    int ipv6_prefix = 64;
    // More than ipv6_group_bans prefixes of one /ipv6_group_prefix banned at
    // once ban the whole group prefix (SPEC §5). Group bans apply only while
    // ipv6_group_prefix is shorter than ipv6_prefix (parse_config refuses a
    // group prefix set explicitly that is not).
    int ipv6_group_bans = 3;
    int ipv6_group_prefix = 48;
    std::vector<Prefix> ignore;
    int self_unban_max = 3;
    // An address is "known", and may lift its own ban, when a registered
    // device was allowed from it within this long (SPEC §5).
    std::int64_t self_unban_known = 30 * 86400;
  } ban;

  struct Suspicious {
    int max_foreign = 10;
    std::int64_t within = 86400;
  } suspicious;

  struct Auth {
    // auth.account_users: a user name equal to a device's account is that
    // device's identity (servers with one credential per customer). Off by
    // default: one credential then opens every phone of the account.
    bool account_users = false;
  } auth;

  struct Journal {
    int keep_days = 90;
    // The folder of the journal's files. Empty: the store's journal/ for a
    // directory store, /var/lib/provlock/journal for an etcd store.
    std::string dir;
  } journal;

  struct Cgi {
    std::string root = "/srv/provisioning";
    std::string unban_path = "/unban-self";
    // File-name patterns that name a device (cgi.patterns; "{mac}" stands
    // for its 12 hex digits, see vendor.hpp), tried in order.
    std::vector<std::string> mac_patterns = default_mac_patterns();
    // Shell-style patterns (fnmatch) of file names served without a check.
    std::vector<std::string> public_files = {"000000000000*", "y0000000000??.cfg", "*.rom",
                                             "*.bin",         "*.ld",             "*.img",
                                             "*.zip",         "*.tar",            "*.sig"};
    // The environment variables, set by the web server from a verified
    // client certificate, that may name the phone's MAC (cgi.cert_fields,
    // SPEC §7). Each starts with SSL_: a variable a client could set
    // (HTTP_*, from a request header) can never be one.
    std::vector<std::string> cert_fields = {"SSL_CLIENT_S_DN_CN"};
  } cgi;
};

// Parses TOML `text` read from `source` (the file name, used in messages) on
// top of the built-in defaults. Throws Error(Exit::config) naming the key and
// the file for a syntax error, an unknown key or table, a value of the wrong
// type, or a value out of range.
//
// `store` may be a string (the store path) or a table [store] with `path` and
// `lock_timeout`. Durations are strings in SPEC §2 form ("7d") or positive
// integers of seconds.
Config parse_config(std::string_view text, const std::string& source);

}  // namespace provlock
