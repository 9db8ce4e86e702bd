#include "ops/window.hpp"

#include "lib/expiry.hpp"
#include "lib/policy.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

void open_window(Session& s, const Window& w) {
  // One window per address: opening again replaces it.
  store::update_record<Window>(*s.store, store::window_key(w.ip), [&](std::optional<Window>& r) {
    r = w;
    return store::Write::durable;
  });
  journal(s, {{"command", "window-open"},
              {"ip", w.ip.str()},
              {"account", w.account ? store::Json(*w.account) : store::Json(nullptr)},
              {"until", format_time(w.until)}});
}

bool close_window(Session& s, const Ip& ip) {
  bool closed = false;
  store::update_record<Window>(*s.store, store::window_key(ip), [&](std::optional<Window>& r) {
    if (!r) return store::Write::none;
    closed = !window_ran_out(*r, s.now);
    r.reset();
    return store::Write::durable;
  });
  if (closed) journal(s, {{"command", "window-close"}, {"ip", ip.str()}});
  return closed;
}

std::vector<Window> open_windows(Session& s, const store::OnError& on_error) {
  std::vector<Window> windows;
  store::scan_records<Window>(
      *s.store,
      [&](const Window& w) {
        if (window_open(w, s.now)) windows.push_back(w);
      },
      on_error);
  return windows;
}

}  // namespace provlock::ops
