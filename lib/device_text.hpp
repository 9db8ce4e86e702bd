// A device record's file text, written and read without building a JSON
// value: `check` reads and writes one device record per decision, and the
// JSON value in between cost more than the rest of the decision's work.
//
// The text is the record's JSON exactly as nlohmann's dump() writes
// to_json(d) (keys in byte order, no spaces), so files stay what they were
// and either way of reading reads them. Its fields are those of the table in
// device_schema.hpp, as the JSON value's are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/records.hpp"

namespace provlock {

// to_json(d).dump(), byte for byte (and, like it, throws for an account or
// label that is not valid UTF-8).
std::string device_record_text(const Device& d);

// The device whose record text is `text` (one '\n' at its end allowed),
// when `text` is exactly device_record_text of that device and its strings
// hold printable ASCII without escapes; nullopt for anything else, which the
// caller then reads as JSON (nlohmann and device_from_json) instead. So a
// device returned here is always the one the JSON reading would return: the
// text is the canonical text of this device, and canonical text reads back
// as its device.
std::optional<Device> device_from_record_text(std::string_view text);

}  // namespace provlock
