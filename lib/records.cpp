#include "lib/records.hpp"

#include <array>
#include <limits>

#include "lib/record_schema.hpp"
#include "lib/window.hpp"

namespace provlock {
namespace {

using nlohmann::json;
using namespace record_schema;

// Decoding is strict about types and the format version, lenient about
// optional fields being absent (they read as unset).
class Decoder {
 public:
  // Top-level records carry a format version, from kRecordFormat to
  // `newest`; their nested objects do not (format() is 0).
  Decoder(const json& j, const char* what, bool versioned = true, int newest = kRecordFormat)
      : j_(j) {
    if (!j.is_object())
      throw RecordError(std::string("not a JSON object (expected a ") + what + ")");
    if (!versioned) return;
    auto f = j.find("format");
    if (f == j.end() || !f->is_number_integer()) throw RecordError("no \"format\" field");
    const auto format = f->get<std::int64_t>();
    if (format < kRecordFormat || format > newest)
      throw RecordError("format " + std::to_string(format) + " is not " +
                        std::to_string(kRecordFormat) +
                        (newest > kRecordFormat ? " to " + std::to_string(newest) : "") +
                        (format > newest ? " (written by a newer provlock)" : ""));
    format_ = static_cast<int>(format);
  }

  int format() const { return format_; }

  const json& need(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null())
      throw RecordError(std::string("field \"") + key + "\" is missing");
    return *it;
  }
  const json* maybe(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string str(const char* key, bool required = true) const {
    const json* v = required ? &need(key) : maybe(key);
    if (!v) return {};
    if (!v->is_string()) bad(key, "a string");
    return v->get<std::string>();
  }
  std::int64_t integer(const char* key) const {
    const json& v = need(key);
    if (!v.is_number_integer()) bad(key, "an integer");
    if (v.is_number_unsigned() &&
        v.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      bad(key, "an integer below 2^63");
    return v.get<std::int64_t>();
  }
  std::uint64_t required_count(const char* key) const {
    if (!maybe(key)) throw RecordError(std::string("field \"") + key + "\" is missing");
    return count(key);
  }
  std::uint64_t count(const char* key) const {
    const json* v = maybe(key);
    if (!v) return 0;
    if (!v->is_number_unsigned()) bad(key, "a non-negative integer");
    return v->get<std::uint64_t>();
  }
  bool flag(const char* key) const {
    const json* v = maybe(key);
    if (!v) return false;
    if (!v->is_boolean()) bad(key, "true or false");
    return v->get<bool>();
  }
  UnixTime time(const char* key) const { return parse_time_field(key, need(key)); }
  // `v`, a value within the field `key`, as a time.
  UnixTime time_of(const char* key, const json& v) const { return parse_time_field(key, v); }
  std::optional<UnixTime> opt_time(const char* key) const {
    const json* v = maybe(key);
    if (!v) return std::nullopt;
    return parse_time_field(key, *v);
  }
  std::optional<Ip> opt_ip(const char* key) const {
    const json* v = maybe(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) bad(key, "an IP address");
    auto ip = try_parse_ip(v->get<std::string>());
    if (!ip) bad(key, "an IP address");
    return ip;
  }
  std::vector<UnixTime> times(const char* key) const {
    std::vector<UnixTime> out;
    const json* v = maybe(key);
    if (!v) return out;
    if (!v->is_array()) bad(key, "an array of times");
    for (const json& t : *v) out.push_back(parse_time_field(key, t));
    return out;
  }

  // The scope of a window or an unlock-all entry in a record of `format`
  // (kScopedRecordFormat in records.hpp).
  AccountScope scope(const char* key, int format) const {
    if (format == kRecordFormat) {
      std::string account = str(key, false);
      if (account.empty()) return std::nullopt;
      return account;
    }
    // Format 2 says every account with null, never by leaving the field out.
    auto it = j_.find(key);
    if (it == j_.end()) throw RecordError(std::string("field \"") + key + "\" is missing");
    if (it->is_null()) return std::nullopt;
    if (!it->is_string()) bad(key, "a string or null");
    return it->get<std::string>();
  }

  [[noreturn]] void bad(const char* key, const char* expected) const {
    throw RecordError(std::string("field \"") + key + "\" is not " + expected);
  }

 private:
  UnixTime parse_time_field(const char* key, const json& v) const {
    // Times are stored as RFC 3339 text so that an operator can read a record.
    if (!v.is_string()) bad(key, "an RFC 3339 time");
    try {
      return parse_time(v.get<std::string>());
    } catch (const std::exception&) {
      bad(key, "an RFC 3339 time");
    }
  }

  const json& j_;
  int format_ = 0;
};

// The oldest format that says what the scopes say: 0.1's format 1 unless a
// scope is "no account", which format 1 cannot say (it would read as every
// account).
template <typename Scopes>
int scoped_format(const Scopes& scopes) {
  for (const AccountScope& s : scopes)
    if (s && s->empty()) return kScopedRecordFormat;
  return kRecordFormat;
}

json scope_json(const AccountScope& scope, int format) {
  if (scope) return *scope;
  return format == kRecordFormat ? json("") : json(nullptr);
}

json opt(const std::optional<UnixTime>& t) {
  return t ? json(format_time(*t)) : json(nullptr);
}
json opt(const std::optional<Ip>& ip) {
  return ip ? json(ip->str()) : json(nullptr);
}
json time_list(const std::vector<UnixTime>& ts) {
  json a = json::array();
  for (UnixTime t : ts) a.push_back(format_time(t));
  return a;
}

// One field of a record, as a JSON value and back (record_schema.hpp).
template <class R>
json field_json(const R&, const FormatField<R>&) {
  return kRecordFormat;
}
template <class R>
json field_json(const R& r, const MacField<R>& f) {
  return (r.*f.member).str();
}
template <class R>
json field_json(const R& r, const PrefixField<R>& f) {
  return (r.*f.member).str();
}
template <class R>
json field_json(const R& r, const TextField<R>& f) {
  return r.*f.member;
}
template <class R>
json field_json(const R& r, const TimeField<R>& f) {
  return format_time(r.*f.member);
}
template <class R>
json field_json(const R& r, const OptTimeField<R>& f) {
  return opt(r.*f.member);
}
template <class R>
json field_json(const R& r, const TimeListField<R>& f) {
  return time_list(r.*f.member);
}
template <class R>
json field_json(const R& r, const OptIpField<R>& f) {
  return opt(r.*f.member);
}
template <class R>
json field_json(const R& r, const CountField<R>& f) {
  return r.*f.member;
}
template <class R>
json field_json(const R& r, const SmallCountField<R>& f) {
  return r.*f.member;
}
template <class R>
json field_json(const R& r, const IntField<R>& f) {
  return r.*f.member;
}
template <class R>
json field_json(const R& r, const FlagField<R>& f) {
  return r.*f.member;
}
template <class R>
json field_json(const R& r, const ForeignListField<R>& f) {
  json a = json::array();
  for (const ForeignFetch& x : r.*f.member)
    a.push_back(json{{"at", format_time(x.at)}, {"ip", x.ip.str()}});
  return a;
}

// The Decoder has checked the format before any field.
template <class R>
void read_field(const Decoder&, const FormatField<R>&, R&) {}
template <class R>
void read_field(const Decoder& in, const MacField<R>& f, R& r) {
  auto mac = try_parse_mac(in.str(f.name));
  if (!mac) in.bad(f.name, "a MAC address");
  r.*f.member = *mac;
}
template <class R>
void read_field(const Decoder& in, const PrefixField<R>& f, R& r) {
  const std::string text = in.str(f.name);
  try {
    r.*f.member = parse_prefix(text);
  } catch (const std::exception&) {
    in.bad(f.name, "an address or CIDR prefix");
  }
}
template <class R>
void read_field(const Decoder& in, const TextField<R>& f, R& r) {
  r.*f.member = in.str(f.name, false);
}
template <class R>
void read_field(const Decoder& in, const TimeField<R>& f, R& r) {
  r.*f.member = in.time(f.name);
}
template <class R>
void read_field(const Decoder& in, const OptTimeField<R>& f, R& r) {
  r.*f.member = in.opt_time(f.name);
}
template <class R>
void read_field(const Decoder& in, const TimeListField<R>& f, R& r) {
  r.*f.member = in.times(f.name);
}
template <class R>
void read_field(const Decoder& in, const OptIpField<R>& f, R& r) {
  r.*f.member = in.opt_ip(f.name);
}
template <class R>
void read_field(const Decoder& in, const CountField<R>& f, R& r) {
  r.*f.member = in.count(f.name);
}
template <class R>
void read_field(const Decoder& in, const SmallCountField<R>& f, R& r) {
  const std::uint64_t n = in.count(f.name);
  if (n > std::numeric_limits<std::uint32_t>::max()) in.bad(f.name, "a count below 2^32");
  r.*f.member = static_cast<std::uint32_t>(n);
}
template <class R>
void read_field(const Decoder& in, const IntField<R>& f, R& r) {
  r.*f.member = in.maybe(f.name) ? in.integer(f.name) : 0;
}
template <class R>
void read_field(const Decoder& in, const FlagField<R>& f, R& r) {
  r.*f.member = in.flag(f.name);
}
template <class R>
void read_field(const Decoder& in, const ForeignListField<R>& f, R& r) {
  std::vector<ForeignFetch>& out = r.*f.member;
  const json* v = in.maybe(f.name);
  if (!v) return;
  if (!v->is_array()) in.bad(f.name, "an array of foreign fetches");
  for (const json& e : *v) {
    // 0.1 kept the time alone; without its address it cannot count toward a
    // block (only distinct addresses do), so it is forgotten.
    if (e.is_string()) {
      in.time_of(f.name, e);
      continue;
    }
    if (!e.is_object()) in.bad(f.name, "an array of foreign fetches");
    Decoder entry(e, "foreign fetch", false);
    ForeignFetch x;
    x.at = entry.time("at");
    auto ip = entry.opt_ip("ip");
    if (!ip) entry.bad("ip", "an IP address");
    x.ip = *ip;
    out.push_back(x);
  }
}

// A record as a JSON value: its fields in the table's order (the object keeps
// its keys in byte order whatever the order they come in).
template <class R>
json record_json(const R& r) {
  json j = json::object();
  for_each_field<R>([&](const auto& field) { j[field.name] = field_json(r, field); });
  return j;
}

// A record from its JSON value, its fields read in the table's order, which
// decides the fault named when there are several.
template <class R>
R record_from_json(const json& j) {
  Decoder in(j, Schema<R>::kWhat);
  R r;
  for_each_field<R>([&](const auto& field) { read_field(in, field, r); });
  return r;
}

}  // namespace

json to_json(const Device& d) {
  return record_json(d);
}

Device device_from_json(const json& j) {
  return record_from_json<Device>(j);
}

json to_json(const UnlockAllSet& s) {
  std::vector<AccountScope> scopes;
  for (const UnlockAll& u : s.entries) scopes.push_back(u.account);
  const int format = scoped_format(scopes);
  json entries = json::array();
  for (const UnlockAll& u : s.entries)
    entries.push_back(json{{"id", u.id},
                           {"at", format_time(u.at)},
                           {"account", scope_json(u.account, format)},
                           {"until", opt(u.until)}});
  return json{{"format", format}, {"last_id", s.last_id}, {"entries", entries}};
}

UnlockAllSet unlock_alls_from_json(const json& j) {
  Decoder in(j, "unlock-all record", true, kScopedRecordFormat);
  UnlockAllSet s;
  s.last_id = in.required_count("last_id");
  const json& entries = in.need("entries");
  if (!entries.is_array()) in.bad("entries", "an array");
  for (const json& e : entries) {
    Decoder entry(e, "unlock-all entry", false);
    UnlockAll u;
    u.id = entry.required_count("id");
    u.at = entry.time("at");
    u.account = entry.scope("account", in.format());
    u.until = entry.opt_time("until");
    s.entries.push_back(u);
  }
  return s;
}

json to_json(const Window& w) {
  if (w.prefix.length < w.prefix.network.bits()) {
    return json{{"format", kWindowPrefixFormat},
                {"prefix", w.prefix.str()},
                {"account", scope_json(w.account, kWindowPrefixFormat)},
                {"opened", format_time(w.opened)},
                {"until", format_time(w.until)}};
  }
  const int format = scoped_format(std::array{w.account});
  return json{{"format", format},
              {"ip", w.prefix.network.str()},
              {"account", scope_json(w.account, format)},
              {"opened", format_time(w.opened)},
              {"until", format_time(w.until)}};
}

Window window_from_json(const json& j) {
  Decoder in(j, "window record", true, kWindowPrefixFormat);
  Window w;
  // Formats 1 and 2 know no "prefix": their readers ignore one.
  const json* prefix = in.format() >= kWindowPrefixFormat ? in.maybe("prefix") : nullptr;
  if (prefix) {
    if (in.maybe("ip")) throw RecordError("fields \"ip\" and \"prefix\" are both there");
    if (!prefix->is_string()) in.bad("prefix", "a CIDR prefix");
    try {
      w.prefix = parse_prefix(prefix->get<std::string>());
    } catch (const std::exception&) {
      in.bad("prefix", "a CIDR prefix");
    }
    if (!window_prefix_allowed(w.prefix))
      throw RecordError("field \"prefix\" is wider than a window may be (" + window_lengths() +
                        ")");
  } else {
    auto ip = in.opt_ip("ip");
    if (!ip && in.format() >= kWindowPrefixFormat)
      throw RecordError("field \"prefix\" (or \"ip\") is missing");
    if (!ip) in.bad("ip", "an IP address");
    w.prefix = prefix_of(*ip, ip->bits());
  }
  w.account = in.scope("account", in.format());
  w.opened = in.time("opened");
  w.until = in.time("until");
  return w;
}

json to_json(const AddressRecord& a) {
  return record_json(a);
}

AddressRecord address_from_json(const json& j) {
  return record_from_json<AddressRecord>(j);
}

}  // namespace provlock

namespace provlock {

nlohmann::json to_json(const RangeBans& r) {
  // The fields of group bans are written only where there are some, so that
  // a record of operator range bans reads as provlock 0.1 wrote it (0.1
  // reads a group ban as an operator's range ban, which it also is).
  nlohmann::json entries = nlohmann::json::array();
  for (const RangeBan& b : r.entries) {
    nlohmann::json e = {{"prefix", b.prefix.str()},
                        {"since", format_time(b.since)},
                        {"until", format_time(b.until)}};
    if (b.is_group()) e["group_members"] = b.group_members;
    entries.push_back(std::move(e));
  }
  nlohmann::json out = {{"format", kRecordFormat}, {"entries", entries}};
  if (!r.members.empty()) {
    nlohmann::json members = nlohmann::json::array();
    for (const MemberBan& m : r.members)
      members.push_back({{"prefix", m.prefix.str()}, {"until", format_time(m.until)}});
    out["members"] = std::move(members);
  }
  return out;
}

RangeBans range_bans_from_json(const nlohmann::json& j) {
  Decoder in(j, "range ban record");
  RangeBans r;
  auto prefix = [](const Decoder& d) {
    try {
      return parse_prefix(d.str("prefix"));
    } catch (const std::exception&) {
      d.bad("prefix", "a CIDR prefix");
    }
  };
  const nlohmann::json& entries = in.need("entries");
  if (!entries.is_array()) in.bad("entries", "an array");
  for (const nlohmann::json& e : entries) {
    Decoder entry(e, "range ban", false);
    RangeBan b;
    b.prefix = prefix(entry);
    b.since = entry.time("since");
    b.until = entry.time("until");
    const std::uint64_t members = entry.count("group_members");
    if (members > std::numeric_limits<std::uint32_t>::max()) entry.bad("group_members", "a count");
    b.group_members = static_cast<std::uint32_t>(members);
    r.entries.push_back(b);
  }
  if (const nlohmann::json* members = in.maybe("members")) {
    if (!members->is_array()) in.bad("members", "an array");
    for (const nlohmann::json& e : *members) {
      Decoder member(e, "member ban", false);
      r.members.push_back({prefix(member), member.time("until")});
    }
  }
  return r;
}

nlohmann::json to_json(const StoreRules& r) {
  return {{"format", kRecordFormat},
          {"unlock_all", to_json(r.unlock_alls)},
          {"range_bans", to_json(r.range_bans)}};
}

StoreRules store_rules_from_json(const nlohmann::json& j) {
  Decoder in(j, "store rules record");
  StoreRules r;
  if (const nlohmann::json* u = in.maybe("unlock_all")) r.unlock_alls = unlock_alls_from_json(*u);
  if (const nlohmann::json* b = in.maybe("range_bans")) r.range_bans = range_bans_from_json(*b);
  return r;
}

}  // namespace provlock
