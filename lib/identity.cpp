#include "lib/identity.hpp"

#include "lib/json_text.hpp"

namespace provlock {
namespace {

bool hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The length of the MAC written at `at` in `value` in one of the embedded
// forms (12 digits, or six pairs joined by `joiner`), or 0. `joiner` is set
// to the joiner found ('\0' for 12 digits).
std::size_t mac_form_at(std::string_view value, std::size_t at, char& joiner) {
  auto digits = [&](std::size_t from, std::size_t n) {
    if (from + n > value.size()) return false;
    for (std::size_t i = from; i < from + n; ++i)
      if (!hex_digit(value[i])) return false;
    return true;
  };
  joiner = '\0';
  if (digits(at, 12)) return 12;
  if (!digits(at, 2) || at + 2 >= value.size()) return 0;
  joiner = value[at + 2];
  if (joiner != ':' && joiner != '-') return 0;
  for (std::size_t pair = 1; pair < 6; ++pair) {
    const std::size_t p = at + 3 * pair;
    if (!digits(p, 2) || (pair < 5 && (p + 2 >= value.size() || value[p + 2] != joiner))) return 0;
  }
  return 17;
}

}  // namespace

CertificateMac mac_in_certificate_field(std::string_view value) {
  CertificateMac out;
  if ((out.mac = try_parse_mac(value))) return out;
  for (std::size_t at = 0; at < value.size(); ++at) {
    if (!hex_digit(value[at]) || (at > 0 && hex_digit(value[at - 1]))) continue;
    char joiner = '\0';
    const std::size_t len = mac_form_at(value, at, joiner);
    if (len == 0) continue;
    const std::size_t end = at + len;
    // Bounded: no hex digit right after it, and for a joined form no joiner
    // that continues it with another hex digit on either side.
    if (end < value.size() && hex_digit(value[end])) continue;
    if (joiner != '\0') {
      if (end + 1 < value.size() && value[end] == joiner && hex_digit(value[end + 1])) continue;
      if (at >= 2 && value[at - 1] == joiner && hex_digit(value[at - 2])) continue;
    }
    const std::optional<Mac> mac = try_parse_mac(value.substr(at, len));
    at = end - 1;
    if (!mac) continue;
    if (out.mac && *out.mac != *mac) return CertificateMac{std::nullopt, true};
    out.mac = mac;
  }
  return out;
}

bool usable_user_name(std::string_view name) {
  return name.size() <= kMaxUserName && is_utf8(name);
}

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
