#include "lib/identity.hpp"

#include "lib/json_text.hpp"

namespace provlock {

bool own_user(const Device& d, std::string_view name, const Config& cfg) {
  if (name.empty()) return false;
  if (const std::optional<Mac> mac = try_parse_mac(name)) return *mac == d.mac;
  if (!d.user.empty() && name == d.user) return true;
  return cfg.auth.account_users && !d.account.empty() && name == d.account;
}

bool own_identity(const Identity& id, const Device& d, const Config& cfg) {
  return id.promised || (id.certificate && *id.certificate == d.mac) ||
         (id.user && own_user(d, *id.user, cfg));
}

std::optional<Error> user_name_refusal(std::string_view name, const Mac& mac) {
  auto refuse = [&](const std::string& why) {
    return Error(Exit::data, "invalid --user " + provlock::quoted(name, true) + ": " + why);
  };
  if (name.empty()) return refuse("empty (leave --user out for a device with no user name)");
  if (name.size() > kMaxUserName)
    return refuse("longer than " + std::to_string(kMaxUserName) + " bytes");
  if (!is_utf8(name)) return refuse("not UTF-8 text");
  for (const unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return refuse("holds a control character");
  if (const std::optional<Mac> other = try_parse_mac(name); other && *other != mac)
    return refuse("it is the MAC address of another device, whose credentials would open " +
                  mac.str() + " too");
  return std::nullopt;
}

}  // namespace provlock
