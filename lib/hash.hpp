// FNV-1a, 64 bits: stable across builds and machines, which matters wherever
// a hash names something on disk (a ban record's bucket, a record lock's
// byte, a recent version's base), since processes of different builds share
// a store during an upgrade. Not a defence against an attacker.
#pragma once

#include <cstdint>
#include <string_view>

namespace provlock {

constexpr std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace provlock
