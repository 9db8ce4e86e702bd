#include "store/records_io.hpp"

#include <algorithm>

namespace provlock::store {
namespace {

std::string file_safe(std::string text) {
  std::replace(text.begin(), text.end(), ':', '_');
  std::replace(text.begin(), text.end(), '/', '-');
  return text;
}

}  // namespace

std::string address_key(const Prefix& prefix) {
  return file_safe(prefix.str());
}
std::string window_key(const Prefix& prefix) {
  if (prefix.length == prefix.network.bits()) return file_safe(prefix.network.str());
  return file_safe(prefix.str());
}

std::vector<std::string> device_keys(const std::vector<Mac>& macs) {
  std::vector<std::string> keys;
  keys.reserve(macs.size());
  for (const Mac& mac : macs) keys.push_back(mac.str());
  return keys;
}

std::uint64_t highest_unlock_all_seen(Store& s) {
  std::uint64_t highest = 0;
  scan_records<Device>(
      s, [&](const Device& d) { highest = std::max(highest, d.unlock_all_seen); },
      [](const Error& e) {
        throw Error(Exit::io, std::string(e.what()) +
                                  "; the unlock-all ids cannot be recovered past it (see fsck)");
      });
  return highest;
}

void update_rules(Store& s, const std::function<Write(StoreRules&)>& change) {
  std::optional<std::uint64_t> recovered;
  for (;;) {
    bool missing = false;
    update_record<StoreRules>(s, kRulesKey, [&](std::optional<StoreRules>& r) {
      if (!r) {
        // Reading every device under the rules' lock would hold up every
        // unlock-all meanwhile: look first, then try again.
        if (!recovered) {
          missing = true;
          return Write::none;
        }
        r = StoreRules{};
        r->unlock_alls.last_id = *recovered;
      }
      return change(*r);
    });
    if (!missing) return;
    recovered = highest_unlock_all_seen(s);
  }
}

}  // namespace provlock::store
