// MAC parsing (SPEC §2): try_parse_mac and parse_mac agree; what parses is a
// unicast, non-zero address whose text form parses back to itself.
#include "fuzz/fuzz.hpp"
#include "lib/mac.hpp"

using namespace provlock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  const std::optional<Mac> mac = try_parse_mac(text);
  try {
    const Mac thrown = parse_mac(text);
    fuzz::require(mac && *mac == thrown, "parse_mac accepts exactly what try_parse_mac does");
  } catch (const Error& e) {
    fuzz::require(!mac, "parse_mac refuses exactly what try_parse_mac does");
    fuzz::code_is(e, Exit::data);
  }
  if (!mac) return 0;
  fuzz::require(mac->value != 0 && mac->value < (std::uint64_t{1} << 48) &&
                    mac->value != 0xffffffffffffULL && !(mac->value & 0x010000000000ULL),
                "a parsed MAC is unicast, non-zero, 48 bits");
  const std::string s = mac->str();
  fuzz::require(s.size() == 12 && s.find_first_not_of("0123456789abcdef") == std::string::npos,
                "str() is 12 lowercase hex digits");
  fuzz::require(try_parse_mac(s) == mac, "str() parses back to the same MAC");
  return 0;
}
