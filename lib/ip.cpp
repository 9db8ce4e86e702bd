#include "lib/ip.hpp"

#include <algorithm>
#include <charconv>

#include "lib/error.hpp"
#include "lib/hex.hpp"

namespace provlock {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A parse either yields the address or says why not; the reason feeds the
// message of parse_ip and parse_prefix.
struct Parsed {
  std::optional<Ip> ip;
  std::string why;
};

// Four decimal parts into out[0..3]. Leading zeros are refused because some
// resolvers read them as octal ("010" = 8): accepting them would let one text
// name two different addresses.
std::string parse_v4(std::string_view text, std::uint8_t* out) {
  const std::string_view expected = "not a dotted quad of four parts 0-255";
  for (int part = 0; part < 4; ++part) {
    const std::size_t end = std::min(text.find('.'), text.size());
    const std::string_view digits = text.substr(0, end);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), is_digit)) {
      return std::string(expected);
    }
    if (digits.size() > 1 && digits[0] == '0')
      return "leading zero in part '" + std::string(digits) + "'";
    int value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (value > 255) return "part " + std::string(digits) + " is out of range 0-255";
    out[part] = static_cast<std::uint8_t>(value);
    const bool last = part == 3;
    if (last != (end == text.size())) return std::string(expected);
    text.remove_prefix(last ? end : end + 1);
  }
  return {};
}

// Colon-separated hex groups (one side of a "::", or the whole address), the
// last of which may be an embedded dotted quad worth two groups. Appends to
// `groups` starting at `count`.
std::string parse_groups(std::string_view text, bool v4_may_end,
                         std::array<std::uint16_t, 8>& groups, int& count) {
  while (!text.empty()) {
    const std::size_t end = std::min(text.find(':'), text.size());
    const std::string_view group = text.substr(0, end);
    const bool last = end == text.size();
    if (last && v4_may_end && group.find('.') != std::string_view::npos) {
      std::uint8_t quad[4];
      if (std::string why = parse_v4(group, quad); !why.empty()) {
        return "embedded IPv4 '" + std::string(group) + "': " + why;
      }
      if (count > 6) return "too many groups";
      groups[count++] = static_cast<std::uint16_t>(quad[0] << 8 | quad[1]);
      groups[count++] = static_cast<std::uint16_t>(quad[2] << 8 | quad[3]);
      return {};
    }
    if (group.empty()) return "empty group (a lone ':')";
    unsigned value = 0;
    for (char c : group) {
      const int digit = hex_value(c);
      if (digit < 0) return std::string(quoted(std::string_view(&c, 1))) + " is not a hex digit";
      value = value << 4 | static_cast<unsigned>(digit);
    }
    if (group.size() > 4) return "group '" + std::string(group) + "' has more than 4 hex digits";
    if (count > 7) return "too many groups";
    groups[count++] = static_cast<std::uint16_t>(value);
    if (last) return {};
    text.remove_prefix(end + 1);
    // A single ':' at the very end would otherwise pass as "no more groups".
    if (text.empty()) return "empty group (a lone ':')";
  }
  return {};
}

std::string parse_v6(std::string_view text, Ip& ip) {
  std::array<std::uint16_t, 8> head{}, tail{};
  int head_count = 0, tail_count = 0;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (std::string why = parse_groups(text, true, head, head_count); !why.empty()) return why;
    if (head_count != 8) return "too few groups (8 needed without '::')";
  } else {
    const std::string_view after = text.substr(gap + 2);
    if (after.starts_with(':')) return "':::' is not a separator";
    if (after.find("::") != std::string_view::npos) return "more than one '::'";
    if (std::string why = parse_groups(text.substr(0, gap), false, head, head_count);
        !why.empty()) {
      return why;
    }
    if (std::string why = parse_groups(after, true, tail, tail_count); !why.empty()) return why;
    // "::" stands for at least one zero group.
    if (head_count + tail_count > 7) return "too many groups";
  }
  ip.family = Ip::Family::v6;
  for (int i = 0; i < head_count; ++i) {
    ip.bytes[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    ip.bytes[2 * i + 1] = static_cast<std::uint8_t>(head[i]);
  }
  for (int i = 0, at = 8 - tail_count; i < tail_count; ++i, ++at) {
    ip.bytes[2 * at] = static_cast<std::uint8_t>(tail[i] >> 8);
    ip.bytes[2 * at + 1] = static_cast<std::uint8_t>(tail[i]);
  }
  return {};
}

bool is_v4_mapped(const Ip& ip) {
  return !ip.is_v4() &&
         std::all_of(ip.bytes.begin(), ip.bytes.begin() + 10, [](auto b) { return b == 0; }) &&
         ip.bytes[10] == 0xff && ip.bytes[11] == 0xff;
}

Parsed parse(std::string_view text) {
  if (text.empty()) return {std::nullopt, "empty address"};
  if (text.find('%') != std::string_view::npos) return {std::nullopt, "zone ids are not accepted"};
  if (text.find_first_of("[]") != std::string_view::npos) {
    return {std::nullopt, "brackets are not accepted"};
  }
  if (text.find_first_of(" \t\r\n\v\f") != std::string_view::npos) {
    return {std::nullopt, "contains whitespace"};
  }
  Ip ip;
  if (text.find_first_of(".:") == std::string_view::npos) {
    return {std::nullopt, "neither a dotted quad nor an IPv6 address"};
  }
  if (text.find(':') == std::string_view::npos) {
    if (std::string why = parse_v4(text, ip.bytes.data()); !why.empty()) return {std::nullopt, why};
    return {ip, {}};
  }
  if (std::string why = parse_v6(text, ip); !why.empty()) return {std::nullopt, why};
  // One address, one value: the mapped form and the dotted quad must compare
  // equal, match the same bans and print the same.
  if (is_v4_mapped(ip)) {
    Ip v4;
    std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
    return {v4, {}};
  }
  return {ip, {}};
}

// Clears every bit of `bytes` past the first `length`.
void clear_host_bits(std::array<std::uint8_t, 16>& bytes, int length) {
  for (int i = 0; i < 16; ++i) {
    const int kept = std::clamp(length - 8 * i, 0, 8);
    bytes[i] &= static_cast<std::uint8_t>(0xff00 >> kept);
  }
}

}  // namespace

std::string Ip::str() const {
  if (is_v4()) {
    std::string out;
    for (int i = 0; i < 4; ++i) {
      if (i > 0) out += '.';
      out += std::to_string(bytes[i]);
    }
    return out;
  }
  std::array<unsigned, 8> groups;
  for (int i = 0; i < 8; ++i)
    groups[i] = static_cast<unsigned>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  // RFC 5952 4.2: only a run of two or more zero groups is compressed, the
  // longest one, the first of equals.
  int best_start = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) best_start = i, best_len = j - i;
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char digits[4];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, groups[i], 16).ptr);
  }
  return out;
}

namespace {

// A dotted quad as parse reads it (four parts 0-255, no leading zeros), in
// one pass; nullopt for anything else, which parse then reads. Every record
// read holds an address or two: this is the common case.
std::optional<Ip> quick_v4(std::string_view text) {
  Ip ip;
  int part = 0, value = 0, digits = 0;
  for (const char c : text) {
    if (is_digit(c)) {
      if (digits == 1 && value == 0) return std::nullopt;  // a leading zero
      value = value * 10 + (c - '0');
      if (++digits > 3 || value > 255) return std::nullopt;
    } else if (c == '.' && digits > 0 && part < 3) {
      ip.bytes[static_cast<std::size_t>(part++)] = static_cast<std::uint8_t>(value);
      value = digits = 0;
    } else {
      return std::nullopt;
    }
  }
  if (part != 3 || digits == 0) return std::nullopt;
  ip.bytes[3] = static_cast<std::uint8_t>(value);
  return ip;
}

}  // namespace

std::optional<Ip> try_parse_ip(std::string_view text) {
  if (std::optional<Ip> ip = quick_v4(text)) return ip;
  return parse(text).ip;
}

Ip parse_ip(std::string_view text) {
  if (std::optional<Ip> ip = quick_v4(text)) return *ip;
  Parsed parsed = parse(text);
  if (!parsed.ip) throw Error(Exit::data, "invalid IP address " + quoted(text) + ": " + parsed.why);
  return *parsed.ip;
}

bool Prefix::contains(const Ip& ip) const {
  if (ip.family != network.family) return false;
  Ip masked = ip, net = network;
  clear_host_bits(masked.bytes, length);
  clear_host_bits(net.bytes, length);
  return masked.bytes == net.bytes;
}

std::string Prefix::str() const {
  return network.str() + "/" + std::to_string(length);
}

Prefix prefix_of(const Ip& ip, int length) {
  Prefix prefix{ip, std::clamp(length, 0, ip.bits())};
  clear_host_bits(prefix.network.bytes, prefix.length);
  return prefix;
}

Prefix parse_prefix(std::string_view text) {
  const auto fail = [&](const std::string& why) {
    return Error(Exit::data, "invalid prefix " + quoted(text) + ": " + why);
  };
  const std::size_t slash = text.find('/');
  const std::string_view address = text.substr(0, slash);
  Parsed parsed = parse(address);
  if (!parsed.ip) throw fail(parsed.why);
  const Ip& ip = *parsed.ip;
  if (slash == std::string_view::npos) return prefix_of(ip, ip.bits());

  // A v4-mapped address is held as v4, but its length counts v6 bits.
  const bool mapped = ip.is_v4() && address.find(':') != std::string_view::npos;
  const int min = mapped ? 96 : 0, max = mapped ? 128 : ip.bits();
  const std::string range = "length must be " + std::to_string(min) + "-" + std::to_string(max);
  const std::string_view digits = text.substr(slash + 1);
  // Same rule as dotted-quad parts: plain decimal, no sign, no leading zeros.
  if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), is_digit) ||
      (digits.size() > 1 && digits[0] == '0')) {
    throw fail(range);
  }
  int length = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (length < min || length > max) throw fail(range);
  return prefix_of(ip, length - min);
}

}  // namespace provlock
