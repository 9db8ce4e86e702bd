#include "lib/config.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
// toml++ 3.3.0 (Debian 12) asserts on some malformed input (a table header
// broken by a newline) where its release build reports a syntax error: keep
// the release behaviour in every build.
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>

#include "lib/duration.hpp"
#include "lib/error.hpp"

namespace provlock {
namespace {

// Carries the file name so that every complaint names key and file.
class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw Error(Exit::config, printable(source_ + ": " + key + ": " + why));
  }

  std::int64_t integer(const toml::node& node, const std::string& key, std::int64_t lo,
                       std::int64_t hi) const {
    auto v = node.value_exact<std::int64_t>();
    if (!v) fail(key, "expected an integer");
    if (*v < lo || *v > hi)
      fail(key, std::to_string(*v) + " is out of range (" + std::to_string(lo) + " to " +
                    std::to_string(hi) + ")");
    return *v;
  }

  std::string string(const toml::node& node, const std::string& key) const {
    auto v = node.value_exact<std::string>();
    if (!v) fail(key, "expected a string");
    // A path or pattern with a NUL would be cut short where the system
    // reads it: refused rather than silently shortened.
    if (v->find('\0') != std::string::npos) fail(key, "must not contain a NUL character");
    return *v;
  }

  std::int64_t duration(const toml::node& node, const std::string& key) const {
    std::int64_t seconds = 0;
    if (auto n = node.value_exact<std::int64_t>()) {
      if (*n <= 0) fail(key, "a duration must be greater than zero");
      seconds = *n;
    } else {
      auto s = node.value_exact<std::string>();
      if (!s) fail(key, "expected a duration such as \"7d\" or a number of seconds");
      try {
        seconds = parse_duration(*s);
      } catch (const Error& e) {
        fail(key, e.what());
      }
    }
    // Durations are added to times that are stored (SPEC §2, bounds).
    if (seconds > kMaxConfigDuration)
      fail(key, format_duration(seconds) + " is too long (at most " +
                    format_duration(kMaxConfigDuration) + ", 100 years)");
    return seconds;
  }

  std::vector<std::string> strings(const toml::node& node, const std::string& key) const {
    const toml::array* arr = node.as_array();
    if (!arr) fail(key, "expected an array of strings");
    std::vector<std::string> out;
    for (const toml::node& item : *arr) out.push_back(string(item, key));
    return out;
  }

 private:
  const std::string& source_;
};

// The dotted key being defined on line `line` (1-based) of a TOML text, from
// the last [table] header above it and the "key =" at its start; empty when
// the line does not define one. Lets a syntax error name its key.
std::string key_on_line(std::string_view text, std::size_t line) {
  std::string table, key;
  std::size_t n = 1, start = 0;
  while (start <= text.size() && n <= line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(start, end - start);
    l.remove_prefix(std::min(l.find_first_not_of(" \t"), l.size()));
    if (!l.empty() && l[0] == '[') {
      std::size_t close = l.find(']');
      if (close != std::string_view::npos) table = std::string(l.substr(1, close - 1));
      std::erase(table, '[');
      std::erase(table, ' ');
    } else if (n == line) {
      std::size_t eq = l.find('=');
      if (eq != std::string_view::npos) {
        std::string_view k = l.substr(0, eq);
        while (!k.empty() && (k.back() == ' ' || k.back() == '\t')) k.remove_suffix(1);
        if (!k.empty() && k.find_first_of(" \t\"'") == std::string_view::npos)
          key = table.empty() ? std::string(k) : table + "." + std::string(k);
      }
    }
    start = end + 1;
    ++n;
  }
  return key;
}

using Setter = std::function<void(const toml::node&, const std::string& key)>;

// Applies the keys of one table through its setters; any other key is an error.
void apply_table(const Reader& r, const toml::table& table, const std::string& prefix,
                 const std::map<std::string, Setter>& setters) {
  for (auto&& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    auto it = setters.find(std::string(k.str()));
    if (it == setters.end()) r.fail(key, "unknown key");
    it->second(node, key);
  }
}

using Setters = std::map<std::string, Setter>;

// The setter of a table, whose own setters `make` makes only when the file
// has the table: every `check` reads the config, and most files set few of
// its tables.
template <typename Make>
Setter table_of(const Reader& r, Make make) {
  return [&r, make](const toml::node& node, const std::string& key) {
    const toml::table* t = node.as_table();
    if (!t) r.fail(key, "expected a table [" + key + "]");
    apply_table(r, *t, key, make());
  };
}

// A name cgi.cert_fields may hold: SSL_ and then [A-Z0-9_]+, at most 64
// bytes, so that no variable made from a request header (HTTP_*) can pose
// as a certificate's field.
bool cert_field_name(std::string_view name) {
  if (name.size() <= 4 || name.size() > 64 || !name.starts_with("SSL_")) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

}  // namespace

// toml++ 3.3.0 reaches __builtin_unreachable (undefined behaviour) on many
// non-ASCII characters wherever it asks whether a character is white space,
// which it does all over its reading of keys and bare values (fixed upstream:
// marzer/tomlplusplus#190, #295, PR #305). Guessing where TOML's strings and
// comments are, to let non-ASCII text through only there, went wrong three
// times (fuzz/regressions/config/toml-unreachable-*). So the guess is now
// toml++'s own: a copy of the text with every byte >= 0x80 replaced by 'x'
// (ASCII, which toml++ reads safely) is read first; its string values are
// where their sources say, and a '#' outside strings and keys starts a
// comment. Non-ASCII text is allowed only inside string values and comments,
// where it cannot change how the text splits into tokens, so the text reads
// as the copy did. Returns the first line where it is elsewhere, or 0; a copy
// that does not parse throws toml::parse_error (its positions are the
// text's).
std::size_t first_non_ascii_line(std::string_view text) {
  if (std::all_of(text.begin(), text.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) < 0x80; }))
    return 0;
  std::string copy(text);
  for (char& ch : copy)
    if (static_cast<unsigned char>(ch) >= 0x80) ch = 'x';
  const toml::table doc = toml::parse(std::string_view(copy), std::string_view("copy"));

  // The regions of string values (non-ASCII allowed) and of keys (not), as
  // [begin, end) in (line, column), both from 1.
  using Position = std::pair<std::size_t, std::size_t>;
  std::vector<std::pair<Position, Position>> strings, keys;
  auto region = [](const toml::source_region& r) {
    return std::pair<Position, Position>{{r.begin.line, r.begin.column},
                                         {r.end.line, r.end.column}};
  };
  std::function<void(const toml::node&)> visit = [&](const toml::node& n) {
    if (n.is_string()) strings.push_back(region(n.source()));
    if (const toml::table* t = n.as_table())
      for (const auto& [key, value] : *t) {
        keys.push_back(region(key.source()));
        visit(value);
      }
    if (const toml::array* a = n.as_array())
      for (const toml::node& value : *a) visit(value);
  };
  visit(doc);
  auto inside = [](const std::vector<std::pair<Position, Position>>& regions, Position p) {
    return std::any_of(regions.begin(), regions.end(),
                       [&](const auto& r) { return r.first <= p && p < r.second; });
  };

  std::size_t line = 1, column = 1;
  bool comment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const Position here{line, column};
    if (ch == '\n') {
      ++line;
      column = 1;
      comment = false;
      continue;
    }
    ++column;
    if (comment) continue;
    const bool in_string = inside(strings, here);
    if (!in_string && ch == '#' && !inside(keys, here)) comment = true;
    if (static_cast<unsigned char>(ch) >= 0x80 && !in_string) return line;
  }
  return 0;
}

Config parse_config(std::string_view text, const std::string& source) {
  Config c;
  Reader r(source);
  toml::table doc;
  try {
    if (std::size_t line = first_non_ascii_line(text))
      throw Error(Exit::config, printable(source + ":" + std::to_string(line) +
                                          ": non-ASCII text outside a string or comment"));
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto line = static_cast<std::size_t>(e.source().begin.line);
    std::string where = source + ":" + std::to_string(line);
    if (std::string key = key_on_line(text, line); !key.empty()) where += ": " + key;
    throw Error(Exit::config, printable(where + ": " + std::string(e.description())));
  } catch (const std::runtime_error& e) {
    throw Error(Exit::config, printable(source + ": " + e.what()));
  }

  auto duration_into = [&r](std::int64_t& out) {
    return [&r, &out](const toml::node& n, const std::string& key) { out = r.duration(n, key); };
  };
  auto int_into = [&r](int& out, int lo, int hi) {
    return [&r, &out, lo, hi](const toml::node& n, const std::string& key) {
      out = static_cast<int>(r.integer(n, key, lo, hi));
    };
  };

  // A path must be absolute: a relative one would name a place beneath the
  // working directory of the process, which for a CGI program is the web
  // server's choice.
  auto absolute = [&r](const std::string& key, const std::string& path) {
    if (path[0] != '/')
      r.fail(key, provlock::quoted(path) + " is a relative path: it must be absolute");
  };
  // A file's or folder's path: not empty, absolute (whether it can be read
  // is for its user to say).
  auto file_into = [&](std::string& out) {
    return [&r, &out, absolute](const toml::node& n, const std::string& key) {
      out = r.string(n, key);
      if (out.empty()) r.fail(key, "the path must not be empty");
      absolute(key, out);
    };
  };

  bool group_prefix_set = false;
  // A store directory's absolute path, or an etcd store's URL.
  auto store_path = [&](const toml::node& n, const std::string& k) {
    c.store.path = r.string(n, k);
    if (c.store.path.empty()) r.fail(k, "the store path must not be empty");
    if (!c.store.path.starts_with("etcd://")) absolute(k, c.store.path);
  };
  Setter store_table = table_of(r, [&] {
    return Setters{{"path", store_path},
                   {"lock_timeout",
                    [&](const toml::node& n, const std::string& k) {
                      std::int64_t s = r.duration(n, k);
                      if (s > 3600) r.fail(k, "must be at most 1h");
                      c.store.lock_timeout_ms = s * 1000;
                    }},
                   {"durability",
                    [&](const toml::node& n, const std::string& k) {
                      std::string v = r.string(n, k);
                      if (v != "bindings" && v != "full")
                        r.fail(k, "'" + v + "' is not one of \"bindings\", \"full\"");
                      c.store.sync_bookkeeping = v == "full";
                    }},
                   {"timeout",
                    [&](const toml::node& n, const std::string& k) {
                      std::int64_t s = r.duration(n, k);
                      if (s > 60) r.fail(k, "must be at most 60s");
                      c.store.timeout_ms = s * 1000;
                    }},
                   {"retries", int_into(c.store.retries, 0, 10)},
                   {"ca", file_into(c.store.ca)},
                   {"cert", file_into(c.store.cert)},
                   {"key", file_into(c.store.key)}};
  });

  Setters top = {
      {"store",
       [&](const toml::node& n, const std::string& k) {
         if (n.is_string())
           store_path(n, k);
         else
           store_table(n, k);
       }},
      {"lock", table_of(r,
                        [&] {
                          return Setters{
                              {"stale_after", duration_into(c.lock.stale_after)},
                              {"unlock_for", duration_into(c.lock.unlock_for)},
                              {"bind_prefix_v4", int_into(c.lock.bind_prefix_v4, 0, 32)},
                              {"bind_prefix_v6", int_into(c.lock.bind_prefix_v6, 0, 128)}};
                        })},
      {"ban",
       table_of(r,
                [&] {
                  return Setters{
                      {"max_attempts", int_into(c.ban.max_attempts, 1, kMaxCount)},
                      {"find_time", duration_into(c.ban.find_time)},
                      {"ban_time", duration_into(c.ban.ban_time)},
                      {"count",
                       [&](const toml::node& n, const std::string& k) {
                         std::string v = r.string(n, k);
                         if (v == "scans")
                           c.ban.count = BanCount::scans;
                         else if (v == "denied")
                           c.ban.count = BanCount::denied;
                         else if (v == "all")
                           c.ban.count = BanCount::all;
                         else
                           r.fail(k, "'" + v + "' is not one of \"scans\", \"denied\", \"all\"");
                       }},
                      {"factor",
                       [&](const toml::node& n, const std::string& k) {
                         std::optional<double> v = n.value<double>();
                         if (!v || !(n.is_floating_point() || n.is_integer()))
                           r.fail(k, "expected a number");
                         if (!std::isfinite(*v) || *v < 1.0 || *v > 100.0)
                           r.fail(k, "must be between 1 and 100");
                         c.ban.factor = *v;
                       }},
                      {"max_ban_time", duration_into(c.ban.max_ban_time)},
                      {"ipv6_prefix", int_into(c.ban.ipv6_prefix, 1, 128)},
                      {"ipv6_group_bans", int_into(c.ban.ipv6_group_bans, 1, kMaxCount)},
                      {"ipv6_group_prefix",
                       [&](const toml::node& n, const std::string& k) {
                         c.ban.ipv6_group_prefix = static_cast<int>(r.integer(n, k, 16, 127));
                         group_prefix_set = true;
                       }},
                      {"self_unban_known", duration_into(c.ban.self_unban_known)},
                      {"ignore",
                       [&](const toml::node& n, const std::string& k) {
                         c.ban.ignore.clear();
                         for (const std::string& s : r.strings(n, k)) {
                           try {
                             c.ban.ignore.push_back(parse_prefix(s));
                           } catch (const Error& e) {
                             r.fail(k, e.what());
                           }
                         }
                       }},
                      {"self_unban_max", int_into(c.ban.self_unban_max, 0, kMaxCount)}};
                })},
      {"suspicious", table_of(r,
                              [&] {
                                return Setters{{"max_foreign",
                                                int_into(c.suspicious.max_foreign, 1, kMaxCount)},
                                               {"within", duration_into(c.suspicious.within)}};
                              })},
      {"auth", table_of(r,
                        [&] {
                          return Setters{
                              {"account_users", [&](const toml::node& n, const std::string& k) {
                                 std::optional<bool> v = n.value<bool>();
                                 if (!v || !n.is_boolean()) r.fail(k, "expected true or false");
                                 c.auth.account_users = *v;
                               }}};
                        })},
      {"journal", table_of(r,
                           [&] {
                             return Setters{{"keep_days", int_into(c.journal.keep_days, 1, 36500)},
                                            {"dir", file_into(c.journal.dir)}};
                           })},
      {"cgi", table_of(r,
                       [&] {
                         return Setters{
                             {"root",
                              [&](const toml::node& n, const std::string& k) {
                                std::string v = r.string(n, k);
                                if (v.empty()) r.fail(k, "must be an absolute path");
                                absolute(k, v);
                                c.cgi.root = v;
                              }},
                             {"unban_path",
                              [&](const toml::node& n, const std::string& k) {
                                std::string v = r.string(n, k);
                                if (v.empty() || v[0] != '/') r.fail(k, "must start with '/'");
                                c.cgi.unban_path = v;
                              }},
                             {"public",
                              [&](const toml::node& n, const std::string& k) {
                                c.cgi.public_files = r.strings(n, k);
                              }},
                             {"cert_fields",
                              [&](const toml::node& n, const std::string& k) {
                                c.cgi.cert_fields = r.strings(n, k);
                                if (c.cgi.cert_fields.empty())
                                  r.fail(k, "must name at least one variable");
                                for (const std::string& f : c.cgi.cert_fields)
                                  if (!cert_field_name(f))
                                    r.fail(k, provlock::quoted(f) +
                                                  " is not a server's certificate variable (SSL_ "
                                                  "followed by A-Z, 0-9 and _)");
                              }},
                             {"patterns", [&](const toml::node& n, const std::string& k) {
                                c.cgi.mac_patterns = r.strings(n, k);
                                for (const std::string& p : c.cgi.mac_patterns)
                                  if (auto why = mac_pattern_problem(p))
                                    r.fail(k, quoted(p) + ": " + *why);
                              }}};
                       })},
  };
  apply_table(r, doc, "", top);

  if (c.ban.max_ban_time < c.ban.ban_time)
    r.fail("ban.max_ban_time", "must not be shorter than ban.ban_time");
  // A group of prefixes is wider than one of them. The default group (/48)
  // simply does not apply under a ban.ipv6_prefix of 48 or less; a group
  // prefix the file sets must make sense.
  if (group_prefix_set && c.ban.ipv6_group_prefix >= c.ban.ipv6_prefix)
    r.fail("ban.ipv6_group_prefix", std::to_string(c.ban.ipv6_group_prefix) +
                                        " is not shorter than ban.ipv6_prefix (" +
                                        std::to_string(c.ban.ipv6_prefix) + ")");
  return c;
}

}  // namespace provlock
