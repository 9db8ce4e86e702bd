#include "lib/mac.hpp"

#include <array>

#include "lib/error.hpp"
#include "lib/hex.hpp"

namespace provlock {

namespace {

// Each accepted form as a pattern: 'x' stands for one hex digit, any other
// character must appear literally. Matching the whole pattern is what makes
// mixed or misplaced separators fail.
constexpr std::array<std::string_view, 4> kForms = {"xxxxxxxxxxxx", "xx:xx:xx:xx:xx:xx",
                                                    "xx-xx-xx-xx-xx-xx", "xxxx.xxxx.xxxx"};

constexpr std::uint64_t kAllOnes = 0xffff'ffff'ffffULL;
constexpr std::uint64_t kGroupBit = 0x0100'0000'0000ULL;  // low bit of octet 0

// Why `text` is not an acceptable MAC, or nullptr when `out` holds it.
const char* parse(std::string_view text, Mac& out) {
  for (std::string_view form : kForms) {
    if (form.size() != text.size()) continue;
    std::uint64_t value = 0;
    bool matched = true;
    for (std::size_t i = 0; i < form.size() && matched; ++i) {
      if (form[i] == 'x') {
        const int digit = hex_value(text[i]);
        matched = digit >= 0;
        value = (value << 4) | static_cast<std::uint64_t>(digit & 0xf);
      } else {
        matched = text[i] == form[i];
      }
    }
    if (!matched) continue;
    // All-ones also has the group bit set; name the more specific reason.
    if (value == 0) return "all-zero address";
    if (value == kAllOnes) return "all-ones (broadcast) address";
    if (value & kGroupBit) return "group (multicast) address";
    out.value = value;
    return nullptr;
  }
  return "not 12 hex digits in one of the forms 001122aabbcc, 00:11:22:aa:bb:cc, "
         "00-11-22-aa-bb-cc or 0011.22aa.bbcc";
}

}  // namespace

std::string Mac::str() const {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out(12, '0');
  for (int i = 11, shift = 0; i >= 0; --i, shift += 4) {
    out[static_cast<std::size_t>(i)] = kHex[(value >> shift) & 0xf];
  }
  return out;
}

std::optional<Mac> try_parse_mac(std::string_view text) {
  Mac mac;
  if (parse(text, mac) != nullptr) return std::nullopt;
  return mac;
}

Mac parse_mac(std::string_view text) {
  Mac mac;
  if (const char* why = parse(text, mac)) {
    throw Error(Exit::data, "invalid MAC address " + quoted(text) + ": " + why);
  }
  return mac;
}

}  // namespace provlock
