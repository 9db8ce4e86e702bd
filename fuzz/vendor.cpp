// MAC extraction from requested file names and User-Agents (SPEC §7,
// lib/vendor.hpp). The input is a file name, or "pattern\nname": a pattern
// mac_pattern_problem refuses never matches; whatever is found is a valid
// unicast MAC; nothing takes long whatever the input.
#include "fuzz/fuzz.hpp"
#include "lib/vendor.hpp"

using namespace provlock;

namespace {
void valid(const std::optional<Mac>& mac, const char* where) {
  if (mac) fuzz::require(try_parse_mac(mac->str()) == mac, where);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> defaults = default_mac_patterns();
  const std::string_view text = fuzz::text_of(data, size);
  for (const std::string& p : defaults)
    fuzz::require(!mac_pattern_problem(p), "every default pattern is a valid pattern:", p);

  valid(mac_from_file_name(text, defaults), "a MAC from a file name is valid");
  valid(mac_from_user_agent(text), "a MAC from a User-Agent is valid");
  (void)is_public_file(text, {"000000000000*", "y0000000000??.cfg", "*.rom"});

  const std::size_t cut = text.find('\n');
  if (cut != std::string_view::npos) {
    const std::string pattern(text.substr(0, cut));
    const std::string_view name = text.substr(cut + 1);
    const auto problem = mac_pattern_problem(pattern);
    const auto mac = mac_from_file_name(name, {pattern});
    fuzz::require(!problem || !mac, "a refused pattern never matches:", pattern);
    valid(mac, "a MAC from a custom pattern is valid");
    if (mac && !problem) {
      // The MAC's digits appear in the name (either case).
      std::string lower_name(name);
      for (char& c : lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      fuzz::require(lower_name.find(mac->str()) != std::string::npos,
                    "the captured MAC is spelt in the name");
    }
    (void)is_public_file(name, {pattern});
  }
  return 0;
}
