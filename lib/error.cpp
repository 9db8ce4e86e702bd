#include "lib/error.hpp"

namespace provlock {

std::string printable(std::string_view text, bool non_ascii) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || (non_ascii && c >= 0x80)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string quoted(std::string_view text, bool non_ascii) {
  constexpr std::size_t kMax = 64;
  std::string out = "'" + printable(text.substr(0, kMax), non_ascii);
  if (text.size() > kMax) out += "...";
  return out + "'";
}

}  // namespace provlock
