// A device record as one line of text, for listing snapshots
// (store/listing.hpp): the same fields as its JSON record, in a form that
// reads back about twenty times faster. Only provlock writes and reads it.
#pragma once

#include <string>
#include <string_view>

#include "lib/records.hpp"

namespace provlock {

// Names the form. Any change to the fields or their text needs a new one, so
// that snapshots kept in the old form are not read as the new.
inline constexpr const char* kDeviceRowForm = "device-row-1";

// Tab-separated fields in the order of Device; an unset optional is empty;
// tab, newline and backslash in strings are escaped (\t, \n, \\).
std::string device_row(const Device& d);

// The device of a row; throws RecordError for text that device_row did not
// make. device_from_row(device_row(d)) equals d.
Device device_from_row(std::string_view row);

}  // namespace provlock
