// One hex digit's value: MACs, IPv6 addresses and percent-encoded URLs all
// read them.
#pragma once

namespace provlock {

// The value of the hex digit `c` (either case), or -1 when it is none.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace provlock
