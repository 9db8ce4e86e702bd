// Record decoding (lib/records.hpp): whatever JSON is on disk, a decoder
// either returns a record or throws RecordError, never anything else (the
// store turns only RecordError into "deny store-error"); and a decoded record
// written back decodes to the same record. A device's or an address's record
// text read directly (lib/record_text.hpp) gives nothing or what the JSON
// reading gives (and only for the record's own text), and a record's text
// written directly is the JSON value's dump.
#include "lib/records.hpp"

#include "fuzz/fuzz.hpp"
#include "lib/record_text.hpp"

using namespace provlock;
using nlohmann::json;

namespace {
template <class Decode>
void check(const json& j, Decode decode, const char* what) {
  json first;
  try {
    first = to_json(decode(j));
  } catch (const RecordError&) {
    return;
  }
  // Anything but RecordError escapes and crashes the target.
  json again;
  try {
    again = to_json(decode(first));
  } catch (const RecordError& e) {
    fuzz::broken(what, e.what());
  }
  fuzz::require(again == first, what, first.dump());
}

// The direct reading of a record's text against the JSON reading.
template <class R>
void check_text(std::string_view text, const json& j, R (*from_json)(const json&),
                std::optional<R> (*from_text)(std::string_view), std::string (*write)(const R&)) {
  std::optional<R> slow;
  if (!j.is_discarded()) {
    try {
      slow = from_json(j);
    } catch (const RecordError&) {
    }
  }
  if (std::optional<R> fast = from_text(text)) {
    fuzz::require(slow.has_value(), "text read directly reads as JSON too:", text);
    fuzz::require(to_json(*fast) == to_json(*slow), "text read directly as JSON reads it:", text);
    // And only the record's own text is read directly: no other spelling.
    std::string_view bare = text;
    if (bare.ends_with('\n')) bare.remove_suffix(1);
    fuzz::require(write(*fast) == bare, "text read directly is the record's text:", text);
  }
  if (slow) {
    std::string dumped;
    try {
      dumped = to_json(*slow).dump();
    } catch (const json::type_error&) {
      return;  // strings that are not UTF-8: neither writes them
    }
    fuzz::require(write(*slow) == dumped, "record text is the JSON dump:", dumped);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json j = json::parse(data, data + size, nullptr, false);
  const std::string_view text = fuzz::text_of(data, size);
  check_text<Device>(text, j, device_from_json, device_from_record_text, device_record_text);
  check_text<AddressRecord>(text, j, address_from_json, address_from_record_text,
                            address_record_text);
  if (j.is_discarded()) return 0;
  check(j, device_from_json, "a device record survives a write and a read:");
  check(j, address_from_json, "an address record survives a write and a read:");
  check(j, window_from_json, "a window record survives a write and a read:");
  check(j, store_rules_from_json, "the rules record survives a write and a read:");
  check(j, unlock_alls_from_json, "an unlock-all set survives a write and a read:");
  check(j, range_bans_from_json, "a range ban set survives a write and a read:");
  // Records nest: also try the value under each top-level key.
  if (j.is_object())
    for (const auto& [key, value] : j.items()) {
      check(value, unlock_alls_from_json, "a nested unlock-all set round-trips:");
      check(value, range_bans_from_json, "a nested range ban set round-trips:");
    }
  return 0;
}
