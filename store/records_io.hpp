// Typed access to the store: records in, records out. Decoding failures
// become Error(Exit::io) naming the file, and a record whose contents name
// another key than its file (a device file holding another MAC) is refused
// the same way, so a misplaced file can never stand in for another device.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/ip.hpp"
#include "lib/record_text.hpp"
#include "lib/records.hpp"
#include "store/store.hpp"

namespace provlock::store {

// File-safe keys: "203.0.113.5-32", "2001_db8__-64" (':' as '_', '/' as '-').
std::string address_key(const Prefix& prefix);
// The same for windows, but a window of one address (an IPv4 /32, an IPv6
// /128) is named by the address alone, as provlock 0.1 named every window:
// "203.0.113.5", "2001_db8__1"; "198.51.100.0-24", "2001_db8_2__-64".
std::string window_key(const Prefix& prefix);
// The keys of the devices `macs`, in their order.
std::vector<std::string> device_keys(const std::vector<Mac>& macs);
inline const std::string kRulesKey = "rules";

template <class R>
struct Codec;

template <>
struct Codec<Device> {
  static constexpr Kind kind = Kind::device;
  static Device decode(const Json& j) { return device_from_json(j); }
  static std::string key(const Device& d) { return d.mac.str(); }
  // Its text read and written directly (lib/record_text.hpp).
  static std::optional<Device> from_text(std::string_view t) { return device_from_record_text(t); }
  static std::string to_text(const Device& d) { return device_record_text(d); }
};
template <>
struct Codec<AddressRecord> {
  static constexpr Kind kind = Kind::ban;
  static AddressRecord decode(const Json& j) { return address_from_json(j); }
  static std::string key(const AddressRecord& a) { return address_key(a.prefix); }
  // Its text read and written directly (lib/record_text.hpp).
  static std::optional<AddressRecord> from_text(std::string_view t) {
    return address_from_record_text(t);
  }
  static std::string to_text(const AddressRecord& a) { return address_record_text(a); }
};
template <>
struct Codec<Window> {
  static constexpr Kind kind = Kind::window;
  static Window decode(const Json& j) { return window_from_json(j); }
  static std::string key(const Window& w) { return window_key(w.prefix); }
};
template <>
struct Codec<StoreRules> {
  static constexpr Kind kind = Kind::meta;
  static StoreRules decode(const Json& j) { return store_rules_from_json(j); }
  static std::string key(const StoreRules&) { return kRulesKey; }
};

// Decodes a record found under `key`; throws Error(Exit::io) naming `where`.
template <class R>
R decode_record(const Json& j, const std::string& key, const std::string& where) {
  R r;
  try {
    r = Codec<R>::decode(j);
  } catch (const RecordError& e) {
    throw Error(Exit::io, "unreadable record " + where + ": " + e.what());
  }
  if (Codec<R>::key(r) != key)
    throw Error(Exit::io,
                "record " + where + " names '" + Codec<R>::key(r) + "', not '" + key + "'");
  return r;
}

// The record `key` of `s` from its text: through the kind's own reader of
// its text where it has one and the text is in its form, otherwise parsed as
// JSON. `where` names the file the text came from; a record that decodes to
// nothing is named as s names it (asked only then: a scan decodes many).
template <class R>
R decode_text(Store& s, std::string_view text, const std::string& key, const std::string& where) {
  if constexpr (requires { Codec<R>::from_text(std::string_view()); }) {
    std::optional<R> r = Codec<R>::from_text(text);
    if (r && Codec<R>::key(*r) == key) return std::move(*r);
  }
  return decode_record<R>(parse_record(std::string(text), where), key,
                          s.where(Codec<R>::kind, key));
}

// The record R `key`, or nullopt if there is none; throws Error(Exit::io)
// naming it if it cannot be read or decoded.
template <class R>
std::optional<R> load_record(Store& s, const std::string& key) {
  auto found = s.load(Codec<R>::kind, key);
  if (!found) return std::nullopt;
  return decode_text<R>(s, found->text, key, found->where);
}

template <class R>
std::string encode_text(const R& r) {
  if constexpr (requires { Codec<R>::to_text(r); })
    return Codec<R>::to_text(r);
  else
    return to_json(r).dump();
}

// Runs a change of the record R `key` on its text, within a TextChange
// (`text` and `where` as it was handed them).
template <class R>
Write change_record(Store& s, const std::string& key, std::optional<std::string>& text,
                    const std::string& where,
                    const std::function<Write(std::optional<R>&)>& change) {
  std::optional<R> r;
  if (text) r = decode_text<R>(s, *text, key, where);
  const Write how = change(r);
  if (how != Write::none) text = r ? std::optional<std::string>(encode_text(*r)) : std::nullopt;
  return how;
}

// Store::update with records instead of JSON.
template <class R>
void update_record(Store& s, const std::string& key,
                   const std::function<Write(std::optional<R>&)>& change) {
  s.update_text(Codec<R>::kind, key,
                [&](std::optional<std::string>& text, const std::string& where) {
                  return change_record<R>(s, key, text, where, change);
                });
}

// Store::update_each with records instead of texts.
template <class R>
void update_each_record(
    Store& s, const std::vector<std::string>& keys,
    const std::function<Write(const std::string& key, std::optional<R>&)>& change,
    const std::function<void(const std::string& key)>& done, const OnError& on_error) {
  s.update_each(
      Codec<R>::kind, keys,
      [&](const std::string& key, std::optional<std::string>& text, const std::string& where) {
        return change_record<R>(s, key, text, where,
                                [&](std::optional<R>& r) { return change(key, r); });
      },
      done, on_error);
}

// Every record of R's kind, decoded; a record that cannot be read or
// decoded goes to `on_error` and the scan goes on.
template <class R>
void scan_records(Store& s, const std::function<void(R&&)>& visit, const OnError& on_error) {
  const Kind kind = Codec<R>::kind;
  s.scan(
      kind,
      [&](const std::string& key, std::string_view text, const std::string& where) {
        std::optional<R> r;
        try {
          r = decode_text<R>(s, text, key, where);
        } catch (const Error& e) {
          on_error(e);
          return;
        }
        visit(std::move(*r));
      },
      on_error);
}

// The highest unlock-all id any device has seen (0 when none has). Reads
// every device; a device that cannot be read throws Error(Exit::io) naming
// it, since its id could be the highest.
std::uint64_t highest_unlock_all_seen(Store& s);

// update_record for the store-wide rules, the one way to change them. `change`
// is shown the record, made anew when there is none. A new record's unlock-all
// ids go on from highest_unlock_all_seen, so that an id never repeats even
// after the record was lost (or fsck --repair moved it away): a device that
// has seen id N ignores every unlock-all up to N. Only that case reads the
// devices; a store's first rules record is made by `add` (cheap while the
// store is empty) or by the first command that needs it.
void update_rules(Store& s, const std::function<Write(StoreRules&)>& change);

}  // namespace provlock::store
