#include "lib/window.hpp"

#include "lib/error.hpp"

namespace provlock {

namespace {
int widest(const Ip& ip) {
  return ip.is_v4() ? kWindowWidestV4 : kWindowWidestV6;
}
}  // namespace

bool window_prefix_allowed(const Prefix& prefix) {
  return prefix.length >= widest(prefix.network) && prefix.length <= prefix.network.bits();
}

std::string window_lengths() {
  return "IPv4 /" + std::to_string(kWindowWidestV4) + " to /32, IPv6 /" +
         std::to_string(kWindowWidestV6) + " to /128";
}

WindowTarget window_target(std::string_view text, const Config& cfg) {
  WindowTarget t;
  if (text.find('/') != std::string_view::npos) {
    t.prefix = parse_prefix(text);
    if (!window_prefix_allowed(t.prefix))
      throw Error(Exit::usage, "window prefix " + quoted(text) +
                                   " is wider than a window may be: " + window_lengths());
    return t;
  }
  const Ip ip = parse_ip(text);
  if (ip.is_v4()) {
    t.prefix = prefix_of(ip, 32);
    return t;
  }
  t.prefix = prefix_of(ip, cfg.lock.bind_prefix_v6);
  if (!window_prefix_allowed(t.prefix))
    throw Error(Exit::usage, "window for " + quoted(text) + ": its binding prefix /" +
                                 std::to_string(t.prefix.length) +
                                 " (lock.bind_prefix_v6) is wider than a window may be (" +
                                 window_lengths() + "); give a CIDR");
  if (t.prefix.length < ip.bits()) t.address = prefix_of(ip, ip.bits());
  return t;
}

std::string window_name(const Prefix& prefix) {
  if (prefix.network.is_v4() && prefix.length == 32) return prefix.network.str();
  return prefix.str();
}

std::vector<Prefix> window_prefixes_covering(const Ip& ip) {
  std::vector<Prefix> out;
  for (int length = ip.bits(); length >= widest(ip); --length) out.push_back(prefix_of(ip, length));
  return out;
}

}  // namespace provlock
