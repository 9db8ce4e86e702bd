// Config loading (SPEC §8): any text either gives a Config or throws
// Error(Exit::config) with a one-line message naming the file; never
// anything else, and never a value outside its documented range.
#include "fuzz/fuzz.hpp"
#include "lib/config.hpp"

using namespace provlock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  try {
    const Config c = parse_config(text, "fuzz.toml");
    fuzz::require(c.store.lock_timeout_ms > 0, "store.lock_timeout > 0");
    fuzz::require(c.lock.stale_after > 0 && c.lock.unlock_for > 0, "lock durations > 0");
    fuzz::require(c.lock.bind_prefix_v4 >= 0 && c.lock.bind_prefix_v4 <= 32, "bind_prefix_v4");
    fuzz::require(c.lock.bind_prefix_v6 >= 0 && c.lock.bind_prefix_v6 <= 128, "bind_prefix_v6");
    fuzz::require(c.ban.max_attempts >= 1 && c.ban.find_time > 0 && c.ban.ban_time > 0 &&
                      c.ban.max_ban_time > 0,
                  "ban limits > 0");
    fuzz::require(c.ban.ipv6_prefix >= 0 && c.ban.ipv6_prefix <= 128, "ban.ipv6_prefix");
    fuzz::require(c.ban.ipv6_group_prefix >= 16 && c.ban.ipv6_group_prefix <= 127,
                  "ban.ipv6_group_prefix");
    // SPEC §2 (bounds): lengths that are added to stored times, and counts
    // whose lists live in records, stay within their documented maximums.
    for (std::int64_t d : {c.lock.stale_after, c.lock.unlock_for, c.ban.find_time, c.ban.ban_time,
                           c.ban.max_ban_time, c.ban.self_unban_known, c.suspicious.within})
      fuzz::require(d <= kMaxConfigDuration, "a configured duration is at most 36500d");
    fuzz::require(c.ban.max_attempts <= kMaxCount && c.suspicious.max_foreign <= kMaxCount &&
                      c.ban.self_unban_max <= kMaxCount && c.ban.ipv6_group_bans >= 1 &&
                      c.ban.ipv6_group_bans <= kMaxCount,
                  "a configured count is at most kMaxCount");
    fuzz::require(!c.store.path.empty() && c.store.path.find('\0') == std::string::npos &&
                      c.cgi.root.find('\0') == std::string::npos,
                  "paths are not empty and hold no NUL");
    for (const std::string& p : c.cgi.mac_patterns)
      fuzz::require(!mac_pattern_problem(p), "a configured pattern is valid:", p);
  } catch (const Error& e) {
    fuzz::code_is(e, Exit::config);
    fuzz::require(std::string_view(e.what()).starts_with("fuzz.toml"),
                  "a config error names the file:", e.what());
  }
  return 0;
}
