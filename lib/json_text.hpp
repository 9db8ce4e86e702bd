// JSON text written directly, byte for byte as nlohmann's dump() writes the
// same value, for the hot paths that would otherwise build a JSON value only
// to dump it (device records, list --json).
#pragma once

#include <string>
#include <string_view>

namespace provlock {

// Appends `s` as a JSON string the way dump() does (UTF-8 kept as it is):
// the two-letter escapes where JSON has one, \u00xx (lowercase) for the
// other control characters. `s` must be valid UTF-8 (dump() would throw).
void append_json_string(std::string& out, std::string_view s);

// Whether every byte of `s` is ASCII: text that is valid UTF-8 whatever it is.
bool is_ascii(std::string_view s);

// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points
// past U+10FFFF): the text a JSON string can hold.
bool is_utf8(std::string_view s);

// The length in bytes of the UTF-8 character that starts at s[i] (1 for
// ASCII), or 0 if no valid one starts there (a stray continuation byte, an
// overlong form, a surrogate, a code point past U+10FFFF, a cut sequence).
std::size_t utf8_length(std::string_view s, std::size_t i);

}  // namespace provlock
