#include "ops/window.hpp"

#include "lib/expiry.hpp"
#include "lib/policy.hpp"
#include "lib/window.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

void open_window(Session& s, const Window& w) {
  // One window per prefix: opening it again replaces it.
  store::update_record<Window>(*s.store, store::window_key(w.prefix),
                               [&](std::optional<Window>& r) {
                                 r = w;
                                 return store::Write::durable;
                               });
  journal(s, {{"command", "window-open"},
              {"ip", window_name(w.prefix)},
              {"account", w.account ? store::Json(*w.account) : store::Json(nullptr)},
              {"until", format_time(w.until)}});
}

bool close_window(Session& s, const Prefix& prefix) {
  bool closed = false;
  store::update_record<Window>(*s.store, store::window_key(prefix), [&](std::optional<Window>& r) {
    if (!r) return store::Write::none;
    closed = !window_ran_out(*r, s.now);
    r.reset();
    return store::Write::durable;
  });
  if (closed) journal(s, {{"command", "window-close"}, {"ip", window_name(prefix)}});
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

std::vector<Window> windows_covering(Session& s, const Ip& ip) {
  // Windows are few (each lasts 40 hours at most, and expire removes it):
  // one scan of their records costs less than looking up every prefix a
  // window of `ip` could have (97 for IPv6).
  std::vector<Window> found;
  bool unreadable = false;
  store::scan_records<Window>(
      *s.store,
      [&](Window&& w) {
        if (w.prefix.contains(ip)) found.push_back(std::move(w));
      },
      [&](const Error&) { unreadable = true; });
  if (!unreadable) return found;
  // The scan cannot tell whose window an unreadable record is. Looking each
  // of those prefixes up can: the record of one of them that cannot be read
  // throws, as the record of the window of `ip` did when a window was one
  // address.
  found.clear();
  for (const Prefix& p : window_prefixes_covering(ip))
    if (auto w = store::load_record<Window>(*s.store, store::window_key(p)))
      found.push_back(std::move(*w));
  return found;
}

}  // namespace provlock::ops
