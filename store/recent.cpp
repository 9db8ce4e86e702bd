#include "store/recent.hpp"

#include <charconv>

#include "lib/hash.hpp"

namespace provlock::store {
namespace {

constexpr std::string_view kMagic = "provlock-recent 1 ";
constexpr std::string_view kNoBase = "none";

std::string hex16(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = kDigits[value & 15];
  return out;
}

std::string base_of(const std::optional<std::string>& base) {
  return base ? hex16(fnv1a64(*base)) : std::string(kNoBase);
}

// Splits off the next space-terminated word of `s`.
std::optional<std::string_view> word(std::string_view& s) {
  auto space = s.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  std::string_view w = s.substr(0, space);
  s.remove_prefix(space + 1);
  return w;
}

}  // namespace

std::string encode_recent(const std::optional<std::string>& base, std::string_view content) {
  std::string out(kMagic);
  out += base_of(base);
  out += ' ';
  out += std::to_string(content.size());
  out += ' ';
  out += hex16(fnv1a64(content));
  out += '\n';
  out += content;
  return out;
}

RecentVersion decode_recent(std::string_view file, const std::optional<std::string>& base) {
  RecentVersion out;
  if (!file.starts_with(kMagic)) return out;
  auto newline = file.find('\n');
  if (newline == std::string_view::npos || newline > 128) return out;
  std::string header(file.substr(kMagic.size(), newline - kMagic.size()));
  header += ' ';  // so that every word ends in a space
  std::string_view h = header;
  std::string_view body = file.substr(newline + 1);
  auto base_word = word(h), length_word = word(h), sum_word = word(h);
  if (!base_word || !length_word || !sum_word || !h.empty()) return out;
  std::size_t length = 0;
  auto [end, ec] =
      std::from_chars(length_word->data(), length_word->data() + length_word->size(), length);
  if (ec != std::errc() || end != length_word->data() + length_word->size() || length > body.size())
    return out;
  body = body.substr(0, length);
  if (*sum_word != hex16(fnv1a64(body))) return out;
  if (*base_word != base_of(base)) {
    out.status = RecentStatus::superseded;
    return out;
  }
  out.status = RecentStatus::current;
  out.content = std::string(body);
  return out;
}

}  // namespace provlock::store
