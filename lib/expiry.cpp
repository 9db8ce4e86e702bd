#include "lib/expiry.hpp"

namespace provlock {

bool window_ran_out(const Window& w, UnixTime now) {
  return ran_out(w.until, now);
}

}  // namespace provlock
