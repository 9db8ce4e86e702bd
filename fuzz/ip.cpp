// IP and prefix parsing (SPEC §2): try_parse_ip and parse_ip agree; the
// printed form parses back to the same value; a parsed prefix is its own
// network and contains it.
#include "fuzz/fuzz.hpp"
#include "lib/ip.hpp"

using namespace provlock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  const std::optional<Ip> ip = try_parse_ip(text);
  try {
    const Ip thrown = parse_ip(text);
    fuzz::require(ip && *ip == thrown, "parse_ip accepts exactly what try_parse_ip does");
  } catch (const Error& e) {
    fuzz::require(!ip, "parse_ip refuses exactly what try_parse_ip does");
    fuzz::code_is(e, Exit::data);
  }
  if (ip) {
    if (ip->is_v4())
      for (std::size_t i = 4; i < 16; ++i) fuzz::require(ip->bytes[i] == 0, "v4 bytes past 4 are 0");
    const std::string s = ip->str();
    fuzz::require(try_parse_ip(s) == ip, "str() parses back to the same address:", s);
    for (int length : {0, 1, 7, 24, 31, 32, 48, 64, 127, 128, -5, 500}) {
      const Prefix p = prefix_of(*ip, length);
      fuzz::require(p.length >= 0 && p.length <= ip->bits(), "prefix_of clamps the length");
      fuzz::require(p.contains(*ip), "prefix_of(ip) contains ip");
    }
  }
  try {
    const Prefix p = parse_prefix(text);
    fuzz::require(p.length >= 0 && p.length <= p.network.bits(), "prefix length in range");
    fuzz::require(prefix_of(p.network, p.length) == p, "host bits of a parsed prefix are clear");
    fuzz::require(p.contains(p.network), "a prefix contains its network");
    const std::string s = p.str();
    fuzz::require(parse_prefix(s) == p, "Prefix::str() parses back to the same prefix:", s);
  } catch (const Error& e) {
    fuzz::code_is(e, Exit::data);
  }
  return 0;
}
