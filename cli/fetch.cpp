#include "cli/fetch.hpp"

namespace provlock::cli {

std::string decision_line(const FetchResult& r) {
  return std::string(r.allow ? "allow " : "deny ") + token(r.reason);
}

View decision_view(const FetchResult& r, const Fetch& fetch, const Context& ctx) {
  View v = {{"decision", r.allow ? "allow" : "deny"},
            {"reason", token(r.reason)},
            {"mac", fetch.mac.str()},
            {"ip", fetch.ip.str()},
            {"state", nullptr},
            {"bound_ip", nullptr}};
  if (r.device) {
    View d = device_view(*r.device, r.unlock_alls, ctx);
    v["state"] = d["state"];
    v["bound_ip"] = d["bound_ip"];
    v["until"] = d["until"];
  } else if (r.reason == "unknown-device") {
    v["state"] = "unknown";
  }
  if (r.newly_banned) v["banned"] = true;
  return v;
}

}  // namespace provlock::cli
