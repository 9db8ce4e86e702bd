#include "lib/error.hpp"

#include <algorithm>

#include "lib/json_text.hpp"

namespace provlock {

std::string printable(std::string_view text, bool non_ascii) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  auto escape = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f)
        escape(c);
      else
        out += text[i];
      ++i;
      continue;
    }
    const std::size_t length = non_ascii ? 0 : utf8_length(text, i);
    // U+0080 to U+009F, the C1 controls, are 0xc2 0x80 to 0xc2 0x9f.
    const bool c1 = length == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
    if (length == 0 || c1) {
      for (std::size_t k = 0; k < std::max<std::size_t>(length, 1); ++k)
        escape(static_cast<unsigned char>(text[i + k]));
      i += std::max<std::size_t>(length, 1);
      continue;
    }
    out.append(text, i, length);
    i += length;
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
