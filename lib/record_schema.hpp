// The fields of the records `check` reads and writes on every request (a
// device, an address), declared once per record: for each, its name in the
// record, the member that holds it, and its kind, which says how it is
// written and read. The JSON value (to_json and the decoders in records.cpp)
// and the record text (record_text.cpp) are both made from these tables, so
// that a member added to Device or AddressRecord is one row here and every
// form of the record follows. The tests notice a member a table lacks:
// tests/random_device.hpp must name every member of each (members())
// (they stop compiling until they do), the random records must vary each
// one, and they must come back whole from every form.
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

namespace provlock::record_schema {

// The record's "format": kRecordFormat. It holds no member; the JSON reading
// checks it before any field (a record of another format is refused as such).
template <class R>
struct FormatField {
  const char* name;
};
// A MAC address, as its 12 hex digits; required.
template <class R>
struct MacField {
  const char* name;
  Mac R::*member;
};
// An address or CIDR prefix, as Prefix::str() writes it; required.
template <class R>
struct PrefixField {
  const char* name;
  Prefix R::*member;
};
// A string; absent or null reads as "".
template <class R>
struct TextField {
  const char* name;
  std::string R::*member;
};
// A time, as RFC 3339 text; required.
template <class R>
struct TimeField {
  const char* name;
  UnixTime R::*member;
};
// A time that may be unset, written as null; absent reads as unset.
template <class R>
struct OptTimeField {
  const char* name;
  std::optional<UnixTime> R::*member;
};
// An array of times; absent or null reads as empty.
template <class R>
struct TimeListField {
  const char* name;
  std::vector<UnixTime> R::*member;
};
// An IP address that may be unset, written as null; absent reads as unset.
template <class R>
struct OptIpField {
  const char* name;
  std::optional<Ip> R::*member;
};
// A non-negative integer; absent or null reads as 0.
template <class R>
struct CountField {
  const char* name;
  std::uint64_t R::*member;
};
// A non-negative integer of at most 32 bits; absent or null reads as 0.
template <class R>
struct SmallCountField {
  const char* name;
  std::uint32_t R::*member;
};
// An integer, which may be negative; absent or null reads as 0.
template <class R>
struct IntField {
  const char* name;
  std::int64_t R::*member;
};
// true or false; absent or null reads as false.
template <class R>
struct FlagField {
  const char* name;
  bool R::*member;
};
// An array of foreign fetches, each {"at": RFC 3339 time, "ip": address};
// absent or null reads as empty, and an entry that is a bare time (0.1's
// form, with no address) is left out.
template <class R>
struct ForeignListField {
  const char* name;
  std::vector<ForeignFetch> R::*member;
};

// The table of a record type: Schema<R>::kFields, in the order of R's
// members, which is also the order the JSON reading checks the fields in,
// and so decides which fault it names when a record has several.
template <class R>
struct Schema;

template <>
struct Schema<Device> {
  static constexpr std::tuple kFields{
      FormatField<Device>{"format"},
      MacField<Device>{"mac", &Device::mac},
      TextField<Device>{"account", &Device::account},
      TextField<Device>{"label", &Device::label},
      TextField<Device>{"user", &Device::user},
      TimeField<Device>{"registered", &Device::registered},
      OptIpField<Device>{"bound_ip", &Device::bound_ip},
      OptTimeField<Device>{"bound_at", &Device::bound_at},
      OptTimeField<Device>{"first_provisioned", &Device::first_provisioned},
      OptTimeField<Device>{"unlock_until", &Device::unlock_until},
      CountField<Device>{"unlock_all_seen", &Device::unlock_all_seen},
      FlagField<Device>{"blocked", &Device::blocked},
      OptTimeField<Device>{"blocked_at", &Device::blocked_at},
      ForeignListField<Device>{"foreign", &Device::foreign},
      OptTimeField<Device>{"last_seen", &Device::last_seen},
      OptIpField<Device>{"last_ip", &Device::last_ip},
      CountField<Device>{"allowed", &Device::allowed},
      CountField<Device>{"denied", &Device::denied},
  };
  static constexpr const char* kWhat = "device record";
};

template <>
struct Schema<AddressRecord> {
  static constexpr std::tuple kFields{
      FormatField<AddressRecord>{"format"},
      PrefixField<AddressRecord>{"prefix", &AddressRecord::prefix},
      TimeListField<AddressRecord>{"attempts", &AddressRecord::attempts},
      OptTimeField<AddressRecord>{"banned_since", &AddressRecord::banned_since},
      OptTimeField<AddressRecord>{"banned_until", &AddressRecord::banned_until},
      TextField<AddressRecord>{"reason", &AddressRecord::reason},
      SmallCountField<AddressRecord>{"times_banned", &AddressRecord::times_banned},
      IntField<AddressRecord>{"last_ban_length", &AddressRecord::last_ban_length},
      TimeField<AddressRecord>{"last_activity", &AddressRecord::last_activity},
      TimeListField<AddressRecord>{"self_unbans", &AddressRecord::self_unbans},
      OptTimeField<AddressRecord>{"last_allowed", &AddressRecord::last_allowed},
  };
  static constexpr const char* kWhat = "address record";
};

// The names of a table's rows, in its order.
template <typename Fields>
constexpr auto names_of(const Fields& fields) {
  return std::apply(
      [](const auto&... field) { return std::array{std::string_view(field.name)...}; }, fields);
}

// A table's rows in byte order of the names: the order in which nlohmann's
// dump() writes an object's keys, and so the order in which the record text
// has its fields.
template <class R>
struct ByteOrder {
  static constexpr std::size_t kCount = std::tuple_size_v<decltype(Schema<R>::kFields)>;
  static constexpr std::array<std::size_t, kCount> kIndex = [] {
    constexpr auto names = names_of(Schema<R>::kFields);
    std::array<std::size_t, kCount> order{};
    for (std::size_t i = 0; i < kCount; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return names[a] < names[b]; });
    return order;
  }();
  template <std::size_t... I>
  static constexpr auto sorted(std::index_sequence<I...>) {
    return std::tuple{std::get<kIndex[I]>(Schema<R>::kFields)...};
  }
  static constexpr auto kFields = sorted(std::make_index_sequence<kCount>{});

  // Each name comes after the one before it. Two rows of one name would be
  // one key in the JSON value but two in the text.
  static_assert(
      [] {
        constexpr auto names = names_of(kFields);
        return std::adjacent_find(names.begin(), names.end(), std::greater_equal<>()) ==
               names.end();
      }(),
      "the fields are not in byte order of their names, or two have one name");
};

// Calls visit(field) for every field of R, in the table's order.
template <class R, typename Visit>
void for_each_field(Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, Schema<R>::kFields);
}

// Calls visit(field) for every field of R, in byte order of the names. The
// calls are unrolled when compiling, one per field, as the hand-written
// code they replace was: the record text is on the path of every `check`.
template <class R, typename Visit>
void for_each_field_in_byte_order(Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, ByteOrder<R>::kFields);
}

}  // namespace provlock::record_schema
