// The text of the records `check` reads and writes on every request (a
// device, an address), written and read without building a JSON value: the
// JSON value in between cost more than the rest of the decision's work.
//
// The text is the record's JSON exactly as nlohmann's dump() writes
// to_json(r) (keys in byte order, no spaces), so files stay what they were
// and either way of reading reads them. Its fields are those of the record's
// table in record_schema.hpp, as the JSON value's are.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/records.hpp"

namespace provlock {

// to_json(r).dump(), byte for byte (and, like it, throws for a string field
// that is not valid UTF-8).
std::string device_record_text(const Device& d);
std::string address_record_text(const AddressRecord& a);

// The record whose text is `text` (one '\n' at its end allowed), when `text`
// is exactly the record text of that record and its strings hold printable
// ASCII without escapes; nullopt for anything else, which the caller then
// reads as JSON (nlohmann and device_from_json / address_from_json) instead.
// So a record returned here is always the one the JSON reading would return:
// the text is the canonical text of this record, and canonical text reads
// back as its record.
std::optional<Device> device_from_record_text(std::string_view text);
std::optional<AddressRecord> address_from_record_text(std::string_view text);

}  // namespace provlock
