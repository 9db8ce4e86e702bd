// Shared by the libFuzzer targets: a failed property aborts with a message,
// which libFuzzer reports as a crash and saves the input that caused it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/error.hpp"

namespace provlock::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void broken(const char* property, std::string_view detail = {}) {
  std::fprintf(stderr, "property broken: %s %.*s\n", property, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

inline void require(bool ok, const char* property, std::string_view detail = {}) {
  if (!ok) broken(property, detail);
}

// Every error provlock prints is one line (SPEC §10), whatever was typed.
inline void one_line(const Error& e) {
  std::string_view what = e.what();
  require(what.find('\n') == std::string_view::npos && what.find('\r') == std::string_view::npos,
          "error message is one line:", what);
}

// The error of a parser carries the exit code its contract names.
inline void code_is(const Error& e, Exit code) {
  require(e.code() == code, "error carries its documented exit code:", e.what());
  one_line(e);
}

}  // namespace provlock::fuzz
