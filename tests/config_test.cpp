// SPEC §8: the TOML configuration, its built-in defaults, and refusals that
// exit 78 naming the key and the file.
#include "lib/config.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "lib/bans.hpp"
#include "lib/error.hpp"
#include "lib/ip.hpp"

using namespace provlock;

namespace {

constexpr const char* kFile = "/etc/provlock/test.toml";
constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

Config parse(const std::string& text) {
  return parse_config(text, kFile);
}

// Checks that `text` is refused with exit 78 and a message naming the file
// and `key`.
void check_refused(const std::string& text, const std::string& key) {
  CAPTURE(text);
  CHECK_THROWS_AS(parse(text), Error);
  try {
    parse(text);
  } catch (const Error& e) {
    const std::string message = e.what();
    CAPTURE(message);
    CHECK(e.code() == Exit::config);
    CHECK(message.find(kFile) != std::string::npos);
    CHECK(message.find(key) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("config: built-in defaults for every key") {
  for (const char* text : {"", "# nothing but a comment\n", "\n\n"}) {
    CAPTURE(text);
    const Config c = parse(text);
    CHECK(c.store.path == "/var/lib/provlock");
    CHECK(c.store.lock_timeout_ms == 5000);
    CHECK(c.lock.stale_after == 7 * kDay);
    CHECK(c.lock.unlock_for == 7 * kDay);
    CHECK(c.lock.bind_prefix_v4 == 32);
    CHECK(c.lock.bind_prefix_v6 == 64);
    CHECK(c.ban.max_attempts == 20);
    CHECK(c.ban.find_time == kHour);
    CHECK(c.ban.ban_time == kHour);
    CHECK(c.ban.count == BanCount::scans);
    CHECK(c.ban.factor == 2.0);
    CHECK(c.ban.max_ban_time == 7 * kDay);
    CHECK(c.ban.ipv6_prefix == 64);
    CHECK(c.ban.ignore.empty());
    CHECK(c.ban.self_unban_max == 3);
    CHECK(c.ban.self_unban_known == 30 * kDay);
    CHECK(c.ban.ipv6_group_bans == 3);
    CHECK(c.ban.ipv6_group_prefix == 48);
    CHECK(c.suspicious.max_foreign == 10);
    CHECK(c.suspicious.within == kDay);
    CHECK(c.journal.keep_days == 90);
    CHECK(c.cgi.unban_path == "/unban-self");
    CHECK_FALSE(c.cgi.root.empty());
    CHECK_FALSE(c.cgi.public_files.empty());
  }
  // A default-constructed Config is the same as an empty file.
  Config d;
  CHECK(d.lock.stale_after == parse("").lock.stale_after);
  CHECK(d.store.path == std::string(kDefaultStorePath));
  CHECK(std::string(kDefaultConfigPath) == "/etc/provlock/provlock.toml");
}

TEST_CASE("config: the default cgi.public patterns name the vendors' shared files") {
  const Config c = parse("");
  auto has = [&](const std::string& p) {
    for (const std::string& q : c.cgi.public_files)
      if (q == p) return true;
    return false;
  };
  CHECK(has("000000000000*"));
  CHECK(has("y0000000000??.cfg"));
}

TEST_CASE("config: each key is parsed") {
  struct Row {
    const char* name;
    const char* text;
    std::function<bool(const Config&)> holds;
  };
  const std::vector<Row> rows = {
      {"store as a string", "store = \"/srv/provlock\"\n",
       [](const Config& c) { return c.store.path == "/srv/provlock"; }},
      {"store.path", "[store]\npath = \"/srv/pl\"\n",
       [](const Config& c) { return c.store.path == "/srv/pl"; }},
      {"store.lock_timeout", "[store]\nlock_timeout = \"30s\"\n",
       [](const Config& c) { return c.store.lock_timeout_ms == 30000; }},
      {"store.timeout", "[store]\ntimeout = \"5s\"\n",
       [](const Config& c) { return c.store.timeout_ms == 5000; }},
      {"store.retries", "[store]\nretries = 0\n",
       [](const Config& c) { return c.store.retries == 0; }},
      {"store TLS files", "[store]\nca = \"/etc/ca.pem\"\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n",
       [](const Config& c) {
         return c.store.ca == "/etc/ca.pem" && c.store.cert == "/c.pem" && c.store.key == "/k.pem";
       }},
      {"journal.dir", "[journal]\ndir = \"/var/log/provlock\"\n",
       [](const Config& c) { return c.journal.dir == "/var/log/provlock"; }},
      {"store.lock_timeout in seconds", "[store]\nlock_timeout = 2\n",
       [](const Config& c) { return c.store.lock_timeout_ms == 2000; }},
      {"store.lock_timeout at its limit", "[store]\nlock_timeout = \"1h\"\n",
       [](const Config& c) { return c.store.lock_timeout_ms == 3600000; }},
      {"store path and lock_timeout together",
       "[store]\npath = \"/srv/pl\"\nlock_timeout = \"10s\"\n",
       [](const Config& c) {
         return c.store.path == "/srv/pl" && c.store.lock_timeout_ms == 10000;
       }},
      {"lock.stale_after", "[lock]\nstale_after = \"2w\"\n",
       [](const Config& c) { return c.lock.stale_after == 14 * kDay; }},
      {"lock.unlock_for", "[lock]\nunlock_for = \"1d12h\"\n",
       [](const Config& c) { return c.lock.unlock_for == kDay + 12 * kHour; }},
      {"lock.bind_prefix_v4", "[lock]\nbind_prefix_v4 = 24\n",
       [](const Config& c) { return c.lock.bind_prefix_v4 == 24; }},
      {"lock.bind_prefix_v4 = 32", "[lock]\nbind_prefix_v4 = 32\n",
       [](const Config& c) { return c.lock.bind_prefix_v4 == 32; }},
      {"lock.bind_prefix_v6", "[lock]\nbind_prefix_v6 = 56\n",
       [](const Config& c) { return c.lock.bind_prefix_v6 == 56; }},
      {"lock.bind_prefix_v6 = 128", "[lock]\nbind_prefix_v6 = 128\n",
       [](const Config& c) { return c.lock.bind_prefix_v6 == 128; }},
      {"ban.max_attempts", "[ban]\nmax_attempts = 5\n",
       [](const Config& c) { return c.ban.max_attempts == 5; }},
      {"ban.find_time", "[ban]\nfind_time = \"10m\"\n",
       [](const Config& c) { return c.ban.find_time == 10 * kMinute; }},
      {"ban.ban_time", "[ban]\nban_time = \"30m\"\n",
       [](const Config& c) { return c.ban.ban_time == 30 * kMinute; }},
      {"ban.count = \"all\"", "[ban]\ncount = \"all\"\n",
       [](const Config& c) { return c.ban.count == BanCount::all; }},
      {"ban.count = \"denied\"", "[ban]\ncount = \"denied\"\n",
       [](const Config& c) { return c.ban.count == BanCount::denied; }},
      {"ban.count = \"scans\"", "[ban]\ncount = \"scans\"\n",
       [](const Config& c) { return c.ban.count == BanCount::scans; }},
      {"ban.ipv6_group_bans", "[ban]\nipv6_group_bans = 1\n",
       [](const Config& c) { return c.ban.ipv6_group_bans == 1; }},
      {"ban.ipv6_group_prefix = 16", "[ban]\nipv6_group_prefix = 16\n",
       [](const Config& c) { return c.ban.ipv6_group_prefix == 16; }},
      {"ban.ipv6_group_prefix just shorter than ipv6_prefix",
       "[ban]\nipv6_prefix = 56\nipv6_group_prefix = 55\n",
       [](const Config& c) { return c.ban.ipv6_group_prefix == 55; }},
      {"ban.ipv6_prefix = 48 leaves the default group prefix unused", "[ban]\nipv6_prefix = 48\n",
       [](const Config& c) {
         return c.ban.ipv6_group_prefix == 48 &&
                !ban_group(prefix_of(parse_ip("2001:db8::1"), 48), c);
       }},
      {"ban.self_unban_known", "[ban]\nself_unban_known = \"7d\"\n",
       [](const Config& c) { return c.ban.self_unban_known == 7 * kDay; }},
      {"ban.factor as a float", "[ban]\nfactor = 1.5\n",
       [](const Config& c) { return c.ban.factor == 1.5; }},
      {"ban.factor as an integer", "[ban]\nfactor = 3\n",
       [](const Config& c) { return c.ban.factor == 3.0; }},
      {"ban.factor = 1", "[ban]\nfactor = 1\n",
       [](const Config& c) { return c.ban.factor == 1.0; }},
      {"ban.max_ban_time", "[ban]\nmax_ban_time = \"4w\"\n",
       [](const Config& c) { return c.ban.max_ban_time == 28 * kDay; }},
      {"ban.ipv6_prefix", "[ban]\nipv6_prefix = 48\n",
       [](const Config& c) { return c.ban.ipv6_prefix == 48; }},
      {"ban.ignore", "[ban]\nignore = [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.7\"]\n",
       [](const Config& c) {
         return c.ban.ignore.size() == 3 && c.ban.ignore[0] == parse_prefix("10.0.0.0/8") &&
                c.ban.ignore[1] == parse_prefix("2001:db8::/32") &&
                c.ban.ignore[2] == parse_prefix("192.0.2.7/32");
       }},
      {"ban.ignore empty", "[ban]\nignore = []\n",
       [](const Config& c) { return c.ban.ignore.empty(); }},
      {"ban.self_unban_max", "[ban]\nself_unban_max = 0\n",
       [](const Config& c) { return c.ban.self_unban_max == 0; }},
      {"suspicious.max_foreign", "[suspicious]\nmax_foreign = 3\n",
       [](const Config& c) { return c.suspicious.max_foreign == 3; }},
      {"suspicious.within", "[suspicious]\nwithin = \"6h\"\n",
       [](const Config& c) { return c.suspicious.within == 6 * kHour; }},
      {"journal.keep_days", "[journal]\nkeep_days = 30\n",
       [](const Config& c) { return c.journal.keep_days == 30; }},
      {"cgi.root", "[cgi]\nroot = \"/var/www/prov\"\n",
       [](const Config& c) { return c.cgi.root == "/var/www/prov"; }},
      {"cgi.unban_path", "[cgi]\nunban_path = \"/let-me-in\"\n",
       [](const Config& c) { return c.cgi.unban_path == "/let-me-in"; }},
      {"cgi.public", "[cgi]\npublic = [\"*.bin\", \"common.cfg\"]\n",
       [](const Config& c) {
         return c.cgi.public_files == std::vector<std::string>{"*.bin", "common.cfg"};
       }},
      {"dotted keys", "lock.stale_after = \"1d\"\nban.count = \"all\"\n",
       [](const Config& c) { return c.lock.stale_after == kDay && c.ban.count == BanCount::all; }},
      {"inline table", "lock = { bind_prefix_v4 = 28 }\n",
       [](const Config& c) { return c.lock.bind_prefix_v4 == 28; }},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Config c;
    REQUIRE_NOTHROW(c = parse(r.text));
    CHECK(r.holds(c));
  }
}

TEST_CASE("config: one key leaves every other key at its default") {
  const Config c = parse("[lock]\nbind_prefix_v4 = 24\n");
  CHECK(c.lock.bind_prefix_v4 == 24);
  CHECK(c.lock.bind_prefix_v6 == 64);
  CHECK(c.lock.stale_after == 7 * kDay);
  CHECK(c.ban.max_attempts == 20);
  CHECK(c.store.path == "/var/lib/provlock");
}

TEST_CASE("config: durations as SPEC §2 strings or integer seconds") {
  struct Row {
    const char* value;
    std::int64_t seconds;
  };
  const Row rows[] = {
      {"\"7d\"", 7 * kDay},      {"\"45s\"", 45},
      {"\"30m\"", 30 * kMinute}, {"\"24h\"", kDay},
      {"\"2w\"", 14 * kDay},     {"\"1d12h\"", kDay + 12 * kHour},
      {"604800", 7 * kDay},      {"1", 1},
      {"86400", kDay},
  };
  for (const Row& r : rows) {
    CAPTURE(r.value);
    const std::string v = r.value;
    CHECK(parse("[lock]\nstale_after = " + v + "\n").lock.stale_after == r.seconds);
    CHECK(parse("[lock]\nunlock_for = " + v + "\n").lock.unlock_for == r.seconds);
    CHECK(parse("[ban]\nfind_time = " + v + "\n").ban.find_time == r.seconds);
    CHECK(parse("[suspicious]\nwithin = " + v + "\n").suspicious.within == r.seconds);
    CHECK(parse("[ban]\nban_time = " + v + "\nmax_ban_time = \"52w\"\n").ban.ban_time == r.seconds);
  }
}

TEST_CASE("config: refusals name the key and the file, exit 78") {
  struct Row {
    const char* name;
    const char* text;
    const char* key;
  };
  const Row rows[] = {
      // Unknown keys and tables.
      {"unknown top-level key", "colour = \"blue\"\n", "colour"},
      {"unknown table", "[bogus]\nx = 1\n", "bogus"},
      {"unknown key in [lock]", "[lock]\nstale = \"1d\"\n", "lock.stale"},
      {"unknown key in [ban]", "[ban]\nmax_attempt = 5\n", "ban.max_attempt"},
      {"unknown key in [store]", "[store]\ntime_out = \"5s\"\n", "store.time_out"},
      {"unknown key in [cgi]", "[cgi]\nroots = \"/x\"\n", "cgi.roots"},
      {"store.timeout over a minute", "[store]\ntimeout = \"2m\"\n", "store.timeout"},
      {"store.retries over 10", "[store]\nretries = 11\n", "store.retries"},
      {"store.retries below 0", "[store]\nretries = -1\n", "store.retries"},
      {"store.ca empty", "[store]\nca = \"\"\n", "store.ca"},
      {"journal.dir as a number", "[journal]\ndir = 3\n", "journal.dir"},
      {"unknown key in [suspicious]", "[suspicious]\nmax = 3\n", "suspicious.max"},
      {"unknown key in [journal]", "[journal]\nkeep = 3\n", "journal.keep"},
      // Wrong types.
      {"lock as a value", "lock = 5\n", "lock"},
      {"store as a number", "store = 5\n", "store"},
      {"store.path as a number", "[store]\npath = 5\n", "store.path"},
      {"bind_prefix_v4 as a string", "[lock]\nbind_prefix_v4 = \"24\"\n", "lock.bind_prefix_v4"},
      {"bind_prefix_v6 as a float", "[lock]\nbind_prefix_v6 = 56.0\n", "lock.bind_prefix_v6"},
      {"max_attempts as a bool", "[ban]\nmax_attempts = true\n", "ban.max_attempts"},
      {"ban.count as a number", "[ban]\ncount = 1\n", "ban.count"},
      {"ban.factor as a string", "[ban]\nfactor = \"2\"\n", "ban.factor"},
      {"ban.ignore as a string", "[ban]\nignore = \"10.0.0.0/8\"\n", "ban.ignore"},
      {"ban.ignore with a number", "[ban]\nignore = [1]\n", "ban.ignore"},
      {"cgi.root as a number", "[cgi]\nroot = 5\n", "cgi.root"},
      {"cgi.public as a string", "[cgi]\npublic = \"*.bin\"\n", "cgi.public"},
      {"duration as a bool", "[lock]\nstale_after = true\n", "lock.stale_after"},
      {"duration as a float", "[lock]\nunlock_for = 1.5\n", "lock.unlock_for"},
      {"duration as a date", "[ban]\nfind_time = 2026-11-26\n", "ban.find_time"},
      // Bad values.
      {"bind_prefix_v4 = 33", "[lock]\nbind_prefix_v4 = 33\n", "lock.bind_prefix_v4"},
      {"bind_prefix_v4 = -1", "[lock]\nbind_prefix_v4 = -1\n", "lock.bind_prefix_v4"},
      {"bind_prefix_v6 = 129", "[lock]\nbind_prefix_v6 = 129\n", "lock.bind_prefix_v6"},
      {"ban.count = \"some\"", "[ban]\ncount = \"some\"\n", "ban.count"},
      {"ban.count = \"ALL\"", "[ban]\ncount = \"ALL\"\n", "ban.count"},
      {"ban.count = \"Scans\"", "[ban]\ncount = \"Scans\"\n", "ban.count"},
      {"ban.count = true", "[ban]\ncount = true\n", "ban.count"},
      {"ban.max_attempts = 0", "[ban]\nmax_attempts = 0\n", "ban.max_attempts"},
      {"ban.ipv6_group_bans = 0", "[ban]\nipv6_group_bans = 0\n", "ban.ipv6_group_bans"},
      {"ban.ipv6_group_prefix = 15", "[ban]\nipv6_group_prefix = 15\n", "ban.ipv6_group_prefix"},
      {"ban.ipv6_group_prefix = 64", "[ban]\nipv6_group_prefix = 64\n", "ban.ipv6_group_prefix"},
      {"ban.ipv6_group_prefix not shorter than ipv6_prefix",
       "[ban]\nipv6_prefix = 48\nipv6_group_prefix = 48\n", "ban.ipv6_group_prefix"},
      {"ban.self_unban_known = 0", "[ban]\nself_unban_known = 0\n", "ban.self_unban_known"},
      {"ban.self_unban_known too long", "[ban]\nself_unban_known = \"36501d\"\n",
       "ban.self_unban_known"},
      {"ban.ipv6_prefix = 0", "[ban]\nipv6_prefix = 0\n", "ban.ipv6_prefix"},
      {"ban.ipv6_prefix = 129", "[ban]\nipv6_prefix = 129\n", "ban.ipv6_prefix"},
      {"ban.factor below 1", "[ban]\nfactor = 0.5\n", "ban.factor"},
      {"ban.factor nan", "[ban]\nfactor = nan\n", "ban.factor"},
      {"ban.factor inf", "[ban]\nfactor = inf\n", "ban.factor"},
      {"ban.ignore with a bad CIDR", "[ban]\nignore = [\"10.0.0.0/33\"]\n", "ban.ignore"},
      {"ban.ignore with a zone id", "[ban]\nignore = [\"fe80::1%eth0\"]\n", "ban.ignore"},
      {"ban.self_unban_max = -1", "[ban]\nself_unban_max = -1\n", "ban.self_unban_max"},
      {"max_ban_time shorter than ban_time", "[ban]\nban_time = \"2h\"\nmax_ban_time = \"1h\"\n",
       "ban.max_ban_time"},
      {"suspicious.max_foreign = 0", "[suspicious]\nmax_foreign = 0\n", "suspicious.max_foreign"},
      {"journal.keep_days = 0", "[journal]\nkeep_days = 0\n", "journal.keep_days"},
      {"cgi.unban_path relative", "[cgi]\nunban_path = \"unban\"\n", "cgi.unban_path"},
      {"cgi.unban_path empty", "[cgi]\nunban_path = \"\"\n", "cgi.unban_path"},
      {"store.lock_timeout over 1h", "[store]\nlock_timeout = \"2h\"\n", "store.lock_timeout"},
      {"store.lock_timeout zero", "[store]\nlock_timeout = 0\n", "store.lock_timeout"},
      // Bad durations.
      {"duration 0", "[lock]\nstale_after = 0\n", "lock.stale_after"},
      {"duration -1", "[lock]\nstale_after = -1\n", "lock.stale_after"},
      {"duration \"0s\"", "[lock]\nunlock_for = \"0s\"\n", "lock.unlock_for"},
      {"duration \"-1d\"", "[ban]\nban_time = \"-1d\"\n", "ban.ban_time"},
      {"duration \"7 days\"", "[suspicious]\nwithin = \"7 days\"\n", "suspicious.within"},
      {"duration \"\"", "[ban]\nfind_time = \"\"\n", "ban.find_time"},
      {"duration \"7D\"", "[ban]\nmax_ban_time = \"7D\"\n", "ban.max_ban_time"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    check_refused(r.text, r.key);
  }
}

TEST_CASE("config: a TOML syntax error names the file and the line") {
  struct Row {
    const char* name;
    const char* text;
    const char* where;
  };
  const Row rows[] = {
      {"unclosed table header", "[lock\nstale_after = \"1d\"\n", ":1"},
      {"missing value", "# comment\n[lock]\nstale_after =\n", ":3"},
      {"unterminated string", "\n[cgi]\nroot = \"/srv\n", ":3"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    check_refused(r.text, r.where);
  }
}

// SPEC §2 (bounds): a configured duration is added to times that are
// stored, so it has a documented maximum: 100 years.
TEST_CASE("config: the largest duration is 36500d (100 years), as text") {
  CHECK(parse("[lock]\nunlock_for = \"36500d\"\n").lock.unlock_for == kMaxConfigDuration);
  CHECK(parse("[lock]\nunlock_for = \"3153600000s\"\n").lock.unlock_for == 3153600000);
  check_refused("[lock]\nunlock_for = \"3153600001s\"\n", "lock.unlock_for");
  check_refused("[lock]\nunlock_for = \"3000000d\"\n", "lock.unlock_for");
  check_refused("[ban]\nmax_ban_time = \"3000000d\"\n", "ban.max_ban_time");
  check_refused("[lock]\nstale_after = \"36501d\"\n", "lock.stale_after");
  check_refused("[ban]\nfind_time = \"36501d\"\n", "ban.find_time");
  check_refused("[ban]\nban_time = \"36501d\"\n", "ban.ban_time");
  check_refused("[suspicious]\nwithin = \"36501d\"\n", "suspicious.within");
  check_refused("[store]\nlock_timeout = \"36501d\"\n", "store.lock_timeout");
}

// Values that parsed but broke later: an empty store path, a NUL in a path.
TEST_CASE("config: an empty store path and strings with NUL are refused") {
  check_refused("store = \"\"\n", "store");
  check_refused("[store]\npath = \"\"\n", "store.path");
  check_refused("[cgi]\nroot = \"/srv/a\\u0000b\"\n", "cgi.root");
  check_refused("store = \"/var/lib/a\\u0000b\"\n", "store");
  check_refused("[cgi]\npublic = [\"*.bin\\u0000\"]\n", "cgi.public");
}

// A relative path would be found beneath the working directory of the
// process, which for a CGI program is the web server's choice: every path
// the config names is refused unless absolute, naming the key and the path.
TEST_CASE("config: relative paths are refused, naming the key and the path") {
  struct Row {
    const char* text;
    const char* key;
    const char* path;
  };
  const Row rows[] = {
      {"[store]\nca = \"ca.pem\"\n", "store.ca", "'ca.pem'"},
      {"[store]\ncert = \"./tls/client.pem\"\n", "store.cert", "'./tls/client.pem'"},
      {"[store]\nkey = \"../client.key\"\n", "store.key", "'../client.key'"},
      {"[journal]\ndir = \"journal\"\n", "journal.dir", "'journal'"},
      {"[journal]\ndir = \"~/journal\"\n", "journal.dir", "'~/journal'"},
      {"store = \"var/lib/provlock\"\n", "store", "'var/lib/provlock'"},
      {"[store]\npath = \"store\"\n", "store.path", "'store'"},
      {"[cgi]\nroot = \"srv/provisioning\"\n", "cgi.root", "'srv/provisioning'"},
  };
  for (const Row& r : rows) {
    check_refused(r.text, r.key);
    try {
      parse(r.text);
    } catch (const Error& e) {
      const std::string message = e.what();
      CAPTURE(message);
      CHECK(message.find(r.path) != std::string::npos);
      CHECK(message.find("must be absolute") != std::string::npos);
    }
  }
  // Absolute paths, and an etcd store's URL, are taken as they are.
  const Config c = parse(
      "[store]\npath = \"etcd://127.0.0.1:2379/provlock\"\nca = \"/etc/provlock/ca.pem\"\n"
      "cert = \"/etc/provlock/c.pem\"\nkey = \"/etc/provlock/c.key\"\n"
      "[journal]\ndir = \"/var/lib/provlock/journal\"\n");
  CHECK(c.store.path == "etcd://127.0.0.1:2379/provlock");
  CHECK(c.store.ca == "/etc/provlock/ca.pem");
  CHECK(c.journal.dir == "/var/lib/provlock/journal");
  CHECK(parse("store = \"/srv/provlock\"\n").store.path == "/srv/provlock");
}

// SPEC §2: every configured count has a documented maximum.
TEST_CASE("config: counts that keep lists in records stop at kMaxCount") {
  CHECK(parse("[ban]\nmax_attempts = 1000\n").ban.max_attempts == kMaxCount);
  CHECK(parse("[suspicious]\nmax_foreign = 1000\n").suspicious.max_foreign == kMaxCount);
  CHECK(parse("[ban]\nself_unban_max = 1000\n").ban.self_unban_max == kMaxCount);
  check_refused("[ban]\nmax_attempts = 1001\n", "ban.max_attempts");
  check_refused("[suspicious]\nmax_foreign = 1001\n", "suspicious.max_foreign");
  check_refused("[ban]\nself_unban_max = 1001\n", "ban.self_unban_max");
  CHECK(parse("[ban]\nipv6_group_bans = 1000\n").ban.ipv6_group_bans == kMaxCount);
  check_refused("[ban]\nipv6_group_bans = 1001\n", "ban.ipv6_group_bans");
}

// SPEC §2: overflowing durations are refused; §8: a bad value exits 78 naming
// the key. The integer form must not let through what the text form refuses
// (ban_time = 2^63 - 1 would overflow `now + ban_time`).
TEST_CASE("config: an overflowing duration in integer seconds is refused") {
  CHECK(parse("[lock]\nunlock_for = 3153600000\n").lock.unlock_for == 3153600000);
  check_refused("[lock]\nunlock_for = 3153600001\n", "lock.unlock_for");
  check_refused("[lock]\nunlock_for = 9007199254740992\n", "lock.unlock_for");
  check_refused("[ban]\nban_time = 9223372036854775807\nmax_ban_time = 9223372036854775807\n",
                "ban.ban_time");
  check_refused("[suspicious]\nwithin = 9223372036854775807\n", "suspicious.within");
}

TEST_CASE("config: a key defined twice is refused naming the key") {
  check_refused("[lock]\nstale_after = \"1d\"\nstale_after = \"2d\"\n", "stale_after");
}

// SPEC §8: a bad value names its key and the file. A value that is not even
// valid TOML (an unquoted duration, a missing value) is the commonest bad
// value an operator types.
TEST_CASE("config: a TOML syntax error in a value names its key") {
  struct Row {
    const char* name;
    const char* text;
    const char* key;
  };
  const Row rows[] = {
      {"bare duration", "[lock]\nstale_after = 7d\n", "stale_after"},
      {"missing value", "[lock]\nstale_after =\n", "stale_after"},
      {"digits and junk", "[lock]\nbind_prefix_v4 = 24x\n", "bind_prefix_v4"},
      {"unterminated string", "[cgi]\nroot = \"/srv\n", "root"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    check_refused(r.text, r.key);
  }
}

TEST_CASE("config: the message carries the file name it was given") {
  try {
    parse_config("[lock]\nbind_prefix_v4 = 33\n", "/tmp/other.toml");
    FAIL("no error");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(e.code() == Exit::config);
    CHECK(message.find("/tmp/other.toml") != std::string::npos);
    CHECK(message.find("lock.bind_prefix_v4") != std::string::npos);
    CHECK(message.find("33") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("config: non-ASCII text is allowed in strings and comments only") {
  CHECK(parse_config("# Grüße\n[lock]\nstale_after = \"7d\" # schön\n", "t.toml").lock.stale_after ==
        7 * 86400);
  CHECK(parse_config("[cgi]\nroot = \"/srv/prövisioning\"\n", "t.toml").cgi.root ==
        "/srv/prövisioning");
  for (const char* text : {"store = \xc2\xa7\n", "[lock]\nstale_after = 7d\xc2\xa0\n"}) {
    CAPTURE(text);
    try {
      parse_config(text, "t.toml");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == Exit::config);
      CHECK(std::string(e.what()).find("t.toml:") == 0);
    }
  }
}

TEST_CASE("config: cgi.cert_fields names the server's certificate variables") {
  CHECK(parse("").cgi.cert_fields == std::vector<std::string>{"SSL_CLIENT_S_DN_CN"});
  CHECK(parse("[cgi]\ncert_fields = [\"SSL_CLIENT_S_DN_CN\", \"SSL_CLIENT_SAN_DNS_0\"]\n")
            .cgi.cert_fields ==
        std::vector<std::string>{"SSL_CLIENT_S_DN_CN", "SSL_CLIENT_SAN_DNS_0"});
  // A request header's variable (HTTP_*) or anything not SSL_[A-Z0-9_]+
  // could be set by the client: refused.
  for (const char* bad :
       {"[]", "[\"HTTP_SSL_CLIENT_S_DN_CN\"]", "[\"SSL_\"]", "[\"ssl_client_s_dn_cn\"]",
        "[\"SSL_CLIENT S\"]", "[\"\"]", "[\"SSL_CLIENT_S_DN_CN\", \"REMOTE_USER\"]",
        "\"SSL_CLIENT_S_DN_CN\"", "[1]"})
    check_refused(std::string("[cgi]\ncert_fields = ") + bad + "\n", "cgi.cert_fields");
}
