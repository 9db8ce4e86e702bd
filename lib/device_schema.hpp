// A device record's fields, declared once: for each, its name in the
// record, the member of Device that holds it, and its kind, which says how
// it is written and read. The JSON value (to_json and device_from_json in
// records.cpp) and the record text (device_text.cpp) are both made from
// this table, so that a member added to Device is one row here and every
// form of the record follows. The tests notice a member the table lacks:
// tests/random_device.hpp must name every member (it stops compiling until
// it does), the random devices must vary each one, and they must come back
// whole from every form.
//
// Each kind is a type, and each form has one function per kind, chosen by
// overloading: a row whose member does not have its kind's type, or a kind
// a form does not handle, is a compile error rather than a record written
// one way and read another.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "lib/records.hpp"

namespace provlock::device_schema {

// The record's "format": kRecordFormat. It holds no member; the JSON reading
// checks it before any field (a record of another format is refused as such).
struct FormatField {
  const char* name;
};
// A MAC address, as its 12 hex digits; required.
struct MacField {
  const char* name;
  Mac Device::*member;
};
// A string; absent or null reads as "".
struct TextField {
  const char* name;
  std::string Device::*member;
};
// A time, as RFC 3339 text; required.
struct TimeField {
  const char* name;
  UnixTime Device::*member;
};
// A time that may be unset, written as null; absent reads as unset.
struct OptTimeField {
  const char* name;
  std::optional<UnixTime> Device::*member;
};
// An IP address that may be unset, written as null; absent reads as unset.
struct OptIpField {
  const char* name;
  std::optional<Ip> Device::*member;
};
// A non-negative integer; absent or null reads as 0.
struct CountField {
  const char* name;
  std::uint64_t Device::*member;
};
// true or false; absent or null reads as false.
struct FlagField {
  const char* name;
  bool Device::*member;
};
// An array of foreign fetches, each {"at": RFC 3339 time, "ip": address};
// absent or null reads as empty, and an entry that is a bare time (0.1's
// form, with no address) is left out.
struct ForeignListField {
  const char* name;
  std::vector<ForeignFetch> Device::*member;
};

// In the order of Device's members, which is also the order the JSON
// reading checks the fields in, and so decides which fault it names when a
// record has several.
inline constexpr std::tuple kFields{
    FormatField{"format"},
    MacField{"mac", &Device::mac},
    TextField{"account", &Device::account},
    TextField{"label", &Device::label},
    TextField{"user", &Device::user},
    TimeField{"registered", &Device::registered},
    OptIpField{"bound_ip", &Device::bound_ip},
    OptTimeField{"bound_at", &Device::bound_at},
    OptTimeField{"first_provisioned", &Device::first_provisioned},
    OptTimeField{"unlock_until", &Device::unlock_until},
    CountField{"unlock_all_seen", &Device::unlock_all_seen},
    FlagField{"blocked", &Device::blocked},
    OptTimeField{"blocked_at", &Device::blocked_at},
    ForeignListField{"foreign", &Device::foreign},
    OptTimeField{"last_seen", &Device::last_seen},
    OptIpField{"last_ip", &Device::last_ip},
    CountField{"allowed", &Device::allowed},
    CountField{"denied", &Device::denied},
};

inline constexpr std::size_t kFieldCount = std::tuple_size_v<decltype(kFields)>;

// The names of a table's rows, in its order.
template <typename Fields>
constexpr auto names_of(const Fields& fields) {
  return std::apply(
      [](const auto&... field) { return std::array{std::string_view(field.name)...}; }, fields);
}

// The table's indices in byte order of the names.
inline constexpr std::array<std::size_t, kFieldCount> kByteOrder = [] {
  constexpr auto names = names_of(kFields);
  std::array<std::size_t, kFieldCount> order{};
  for (std::size_t i = 0; i < kFieldCount; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
  return order;
}();

template <std::size_t... I>
constexpr auto sorted_fields(std::index_sequence<I...>) {
  return std::tuple{std::get<kByteOrder[I]>(kFields)...};
}

// The table again, its rows in byte order of the names: the order in which
// nlohmann's dump() writes an object's keys, and so the order in which the
// record text has its fields.
inline constexpr auto kFieldsInByteOrder = sorted_fields(std::make_index_sequence<kFieldCount>{});

// Each name comes after the one before it. Two rows of one name would be
// one key in the JSON value but two in the text.
static_assert(
    [] {
      constexpr auto names = names_of(kFieldsInByteOrder);
      return std::adjacent_find(names.begin(), names.end(), std::greater_equal<>()) == names.end();
    }(),
    "the device fields are not in byte order of their names, or two have one name");

// Calls visit(field) for every field, in the table's order.
template <typename Visit>
void for_each_field(Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, kFields);
}

// Calls visit(field) for every field, in byte order of the names. The
// calls are unrolled when compiling, one per field, as the hand-written
// code they replace was: the record text is on the path of every `check`.
template <typename Visit>
void for_each_field_in_byte_order(Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, kFieldsInByteOrder);
}

}  // namespace provlock::device_schema
