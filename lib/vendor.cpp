#include "lib/vendor.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace provlock {

namespace {

constexpr std::string_view kMacToken = "{mac}";
constexpr std::size_t kMacDigits = 12;
constexpr std::size_t kMaxPatternBytes = 256;

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_space(char c) {
  return c == ' ' || c == '\t';
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(text[i]) != lower(prefix[i])) return false;
  return true;
}

std::size_t find_nocase(std::string_view text, std::string_view needle, std::size_t from = 0) {
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i)
    if (starts_with_nocase(text.substr(i), needle)) return i;
  return std::string_view::npos;
}

bool all_hex(std::string_view text) {
  for (char c : text)
    if (!is_hex(c)) return false;
  return !text.empty();
}

// --- File names ----------------------------------------------------------

// One step of a compiled pattern.
struct Token {
  enum Kind { literal, any_run, any_one, mac } kind;
  char c = 0;
};

std::vector<Token> compile(std::string_view pattern) {
  std::vector<Token> out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i).starts_with(kMacToken)) {
      out.push_back({Token::mac});
      i += kMacToken.size();
    } else {
      const char c = pattern[i++];
      out.push_back(c == '*'   ? Token{Token::any_run}
                    : c == '?' ? Token{Token::any_one}
                               : Token{Token::literal, lower(c)});
    }
  }
  return out;
}

// Matches the whole of `name` against `tokens`; on success `mac_at` is where
// the {mac} capture starts. This is the usual glob match that backtracks to
// the last '*' only (at most name length x pattern length steps, whatever
// the input); it is exact because every other token has a fixed width, and
// a {mac} after that '*' is captured again on each retry.
bool match(const std::vector<Token>& tokens, std::string_view name, std::size_t& mac_at) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t t = 0, n = 0, star_t = kNone, star_n = 0;
  auto fits = [&](const Token& tok) {
    switch (tok.kind) {
      case Token::literal:
        return n < name.size() && lower(name[n]) == tok.c;
      case Token::any_one:
        return n < name.size();
      case Token::mac:
        return name.size() - n >= kMacDigits && all_hex(name.substr(n, kMacDigits));
      case Token::any_run:
        break;
    }
    return false;
  };
  while (n < name.size() || (t < tokens.size() && tokens[t].kind != Token::any_run)) {
    if (t < tokens.size() && tokens[t].kind == Token::any_run) {
      star_t = t++;
      star_n = n;
    } else if (t < tokens.size() && fits(tokens[t])) {
      if (tokens[t].kind == Token::mac) mac_at = n;
      n += tokens[t].kind == Token::mac ? kMacDigits : 1;
      ++t;
    } else if (star_t != kNone && star_n < name.size()) {
      t = star_t + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::any_run) ++t;
  return t == tokens.size();
}

// --- User-Agents ---------------------------------------------------------

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Yealink, Fanvil, Htek: model, firmware version, then the MAC.
std::optional<Mac> last_word(std::string_view ua) {
  auto w = words(ua);
  if (w.size() < 2) return std::nullopt;
  return try_parse_mac(w.back());
}

// Grandstream: "... DevId 000b828aa872".
std::optional<Mac> grandstream(std::string_view ua) {
  auto w = words(ua);
  for (std::size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == "DevId") return try_parse_mac(w[i + 1]);
  return std::nullopt;
}

// Cisco SPA: "Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)". The MAC
// group is present only when a serial-number group follows it directly; a
// lone group is the serial, which may also be 12 hex digits.
std::optional<Mac> cisco_spa(std::string_view ua) {
  std::size_t close = ua.find(")(");
  if (close == std::string_view::npos) return std::nullopt;
  std::size_t open = ua.rfind('(', close);
  if (open == std::string_view::npos) return std::nullopt;
  return try_parse_mac(ua.substr(open + 1, close - open - 1));
}

// Snom: "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5
// 000413922D24 SXM:0 UXM:0)": a word of 12 hex digits after snom<model>-SIP,
// before the bracket closes. Older firmware names no MAC there.
std::optional<Mac> snom(std::string_view ua) {
  for (std::size_t at = find_nocase(ua, "snom"); at != std::string_view::npos;
       at = find_nocase(ua, "snom", at + 1)) {
    std::size_t end = at + 4;
    while (end < ua.size() && std::isalnum(static_cast<unsigned char>(ua[end]))) ++end;
    if (!ua.substr(end).starts_with("-SIP ")) continue;
    std::string_view rest = ua.substr(end + 5);
    rest = rest.substr(0, rest.find_first_of(");"));
    for (std::string_view w : words(rest))
      if (w.size() == kMacDigits && all_hex(w)) return try_parse_mac(w);
    return std::nullopt;
  }
  return std::nullopt;
}

// AudioCodes: "AUDC-IPPhone/2.2.8.61 (440HDG-Rev0; 00908F602AAC)".
std::optional<Mac> audiocodes(std::string_view ua) {
  std::size_t open = ua.find('(');
  std::size_t close = ua.find(')', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
  std::string_view inside = ua.substr(open + 1, close - open - 1);
  std::size_t semi = inside.rfind(';');
  if (semi == std::string_view::npos) return std::nullopt;
  return try_parse_mac(trim(inside.substr(semi + 1)));
}

// Aastra (and Mitel): "Aastra6731i MAC:00-08-5D-29-4C-6B V:3.3.1.4305-SIP".
std::optional<Mac> aastra(std::string_view ua) {
  for (std::string_view w : words(ua))
    if (w.starts_with("MAC:")) return try_parse_mac(w.substr(4));
  return std::nullopt;
}

struct UaFormat {
  std::string_view starts_with;  // ignoring case
  std::optional<Mac> (*mac)(std::string_view ua);
};

// Snom's User-Agent starts like a browser's; its own test (snom<model>-SIP)
// is inside snom().
constexpr UaFormat kUaFormats[] = {
    {"Yealink", last_word},       {"Fanvil", last_word}, {"Htek", last_word},
    {"Grandstream", grandstream}, {"Cisco/", cisco_spa}, {"Mozilla/", snom},
    {"AUDC-", audiocodes},        {"Aastra", aastra},    {"Mitel", aastra},
};

}  // namespace

std::vector<std::string> default_mac_patterns() {
  return {"{mac}.cfg",      "{mac}-local.cfg",     "{mac}-phone.cfg", "{mac}-web.cfg",
          "{mac}-user.cfg", "{mac}-directory.xml", "{mac}-calls.xml", "spa{mac}.cfg",
          "spa{mac}.xml",   "SEP{mac}.cnf.xml",    "SIP{mac}.cnf",    "ATA{mac}.cnf.xml",
          "cfg{mac}",       "cfg{mac}.xml",        "snom*-{mac}.htm", "{mac}.xml"};
}

std::optional<std::string> mac_pattern_problem(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes)
    return "longer than " + std::to_string(kMaxPatternBytes) + " bytes";
  if (pattern.find('/') != std::string_view::npos) return "a file name has no '/'";
  std::size_t macs = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.substr(i).starts_with(kMacToken)) {
      ++macs;
      i += kMacToken.size() - 1;
    } else if (pattern[i] == '{' || pattern[i] == '}') {
      return "'{' and '}' may only appear as {mac}";
    } else if (static_cast<unsigned char>(pattern[i]) < 0x20 || pattern[i] == 0x7f) {
      return "control characters are not allowed";
    }
  }
  if (macs != 1) return "must hold {mac} exactly once";
  return std::nullopt;
}

std::optional<Mac> mac_from_file_name(std::string_view file_name,
                                      const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    if (mac_pattern_problem(pattern)) continue;
    std::size_t at = 0;
    if (!match(compile(pattern), file_name, at)) continue;
    if (auto mac = try_parse_mac(file_name.substr(at, kMacDigits))) return mac;
  }
  return std::nullopt;
}

bool PathMacs::admits(const Mac& m) const {
  if (conflict || (mac && *mac != m)) return false;
  if (long_runs.empty()) return true;
  const std::string digits = m.str();
  return std::all_of(long_runs.begin(), long_runs.end(), [&](std::string_view run) {
    return find_nocase(run, digits) != std::string_view::npos;
  });
}

PathMacs macs_in_path(std::string_view path) {
  PathMacs out;
  for (std::size_t i = 0; i < path.size();) {
    if (!is_hex(path[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < path.size() && is_hex(path[end])) ++end;
    const std::string_view run = path.substr(i, end - i);
    i = end;
    if (run.size() == kMacDigits) {
      const auto m = try_parse_mac(run);
      if (!m) continue;
      if (!out.mac)
        out.mac = m;
      else if (*out.mac != *m)
        out.conflict = true;
    } else if (run.size() > kMacDigits) {
      for (std::size_t at = 0; at + kMacDigits <= run.size(); ++at) {
        if (try_parse_mac(run.substr(at, kMacDigits))) {
          out.long_runs.push_back(run);
          break;
        }
      }
    }
  }
  return out;
}

RequestMac request_mac(std::string_view path, std::string_view file_name,
                       std::string_view user_agent, const std::vector<std::string>& patterns) {
  RequestMac out;
  const PathMacs in_path = macs_in_path(path);
  out.path_mac = mac_from_file_name(file_name, patterns);
  if (!out.path_mac) out.path_mac = in_path.mac;
  out.agent_mac = mac_from_user_agent(user_agent);
  const std::optional<Mac> named = out.path_mac ? out.path_mac : out.agent_mac;
  if (!named) return out;  // nothing names a device: a long run alone is no MAC
  out.mismatch = !in_path.admits(*named) || (out.agent_mac && *out.agent_mac != *named);
  if (!out.mismatch) out.mac = named;
  return out;
}

std::optional<Mac> mac_from_user_agent(std::string_view user_agent) {
  user_agent = trim(user_agent);
  for (const UaFormat& f : kUaFormats)
    if (starts_with_nocase(user_agent, f.starts_with)) return f.mac(user_agent);
  return std::nullopt;
}

bool is_public_file(std::string_view file_name, const std::vector<std::string>& patterns) {
  const std::string name(file_name);
  for (const std::string& pattern : patterns)
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace provlock
