#include "lib/record_text.hpp"

#include <charconv>
#include <cstdint>
#include <type_traits>

#include "lib/json_text.hpp"
#include "lib/record_schema.hpp"

namespace provlock {
namespace {

using namespace record_schema;

// The opening of a field: the separator before it ('{' or ','), its key
// and the colon.
void put_key(std::string& out, char separator, std::string_view key) {
  out += separator;
  out += '"';
  out += key;
  out += "\":";
}

void put_count(std::string& out, std::uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void put_time(std::string& out, const std::optional<UnixTime>& t) {
  if (!t) {
    out += "null";
    return;
  }
  out += '"';
  out += format_time(*t);
  out += '"';
}

void put_ip(std::string& out, const std::optional<Ip>& ip) {
  if (!ip) {
    out += "null";
    return;
  }
  out += '"';
  out += ip->str();
  out += '"';
}

// One field's value in the text, as dump() writes it (record_schema.hpp).
template <class R>
void put_field(std::string& out, const R&, const FormatField<R>&) {
  put_count(out, static_cast<std::uint64_t>(kRecordFormat));
}
template <class R>
void put_field(std::string& out, const R& r, const MacField<R>& f) {
  out += '"';
  out += (r.*f.member).str();
  out += '"';
}
template <class R>
void put_field(std::string& out, const R& r, const PrefixField<R>& f) {
  out += '"';
  out += (r.*f.member).str();
  out += '"';
}
template <class R>
void put_field(std::string& out, const R& r, const TextField<R>& f) {
  append_json_string(out, r.*f.member);
}
template <class R>
void put_field(std::string& out, const R& r, const TimeField<R>& f) {
  put_time(out, r.*f.member);
}
template <class R>
void put_field(std::string& out, const R& r, const OptTimeField<R>& f) {
  put_time(out, r.*f.member);
}
template <class R>
void put_field(std::string& out, const R& r, const TimeListField<R>& f) {
  out += '[';
  const std::vector<UnixTime>& list = r.*f.member;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    put_time(out, list[i]);
  }
  out += ']';
}
template <class R>
void put_field(std::string& out, const R& r, const OptIpField<R>& f) {
  put_ip(out, r.*f.member);
}
template <class R>
void put_field(std::string& out, const R& r, const CountField<R>& f) {
  put_count(out, r.*f.member);
}
template <class R>
void put_field(std::string& out, const R& r, const SmallCountField<R>& f) {
  put_count(out, r.*f.member);
}
template <class R>
void put_field(std::string& out, const R& r, const IntField<R>& f) {
  const std::int64_t n = r.*f.member;
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}
template <class R>
void put_field(std::string& out, const R& r, const FlagField<R>& f) {
  out += r.*f.member ? "true" : "false";
}
template <class R>
void put_field(std::string& out, const R& r, const ForeignListField<R>& f) {
  out += '[';
  const std::vector<ForeignFetch>& list = r.*f.member;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    out += "{\"at\":";
    put_time(out, list[i].at);
    out += ",\"ip\":";
    put_ip(out, list[i].ip);
    out += '}';
  }
  out += ']';
}

// Reads the text of record_text. Every method takes only the one
// form put_field writes of its value and returns false for anything else
// (another spelling of the same value included); the reader then gives up,
// and the JSON reading decides. So a text read here is the device's text,
// byte for byte, without writing it again to compare.
class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  bool eat(char c) {
    if (i_ >= s_.size() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  bool eat(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  // The opening of the field `name`: its key and the colon.
  bool key(std::string_view name) { return eat('"') && eat(name) && eat("\":"); }
  bool at_end() const { return i_ == s_.size(); }
  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }

  // A string of printable ASCII, no escapes: as dump() writes it.
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const std::size_t start = i_;
    for (; i_ < s_.size(); ++i_) {
      const char c = s_[i_];
      if (c == '"') {
        out = s_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
    }
    return false;
  }
  bool count(std::uint64_t& out) {
    const char* begin = s_.data() + i_;
    const char* end = s_.data() + s_.size();
    if (begin == end || *begin < '0' || *begin > '9') return false;
    auto [stop, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc()) return false;
    // Leading zeros are another spelling of the number.
    if (*begin == '0' && stop - begin > 1) return false;
    i_ += static_cast<std::size_t>(stop - begin);
    return true;
  }
  // An integer that may be negative: "-" before a count, and no "-0".
  bool integer(std::int64_t& out) {
    const bool negative = eat('-');
    std::uint64_t n = 0;
    if (!count(n)) return false;
    if (!negative) {
      if (n > static_cast<std::uint64_t>(INT64_MAX)) return false;
      out = static_cast<std::int64_t>(n);
      return true;
    }
    if (n == 0 || n > static_cast<std::uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<std::int64_t>(0 - n);
    return true;
  }
  bool time(UnixTime& out) {
    std::string_view text;
    if (!string(text)) return false;
    const std::optional<UnixTime> t = parse_formatted_time(text);
    if (t) out = *t;
    return t.has_value();
  }
  bool opt_time(std::optional<UnixTime>& out) {
    if (eat("null")) return true;
    UnixTime t = 0;
    if (!time(t)) return false;
    out = t;
    return true;
  }
  bool opt_ip(std::optional<Ip>& out) {
    if (eat("null")) return true;
    std::string_view text;
    if (!string(text)) return false;
    out = try_parse_ip(text);
    if (!out) return false;
    // A dotted quad that parses is in its one written form (no leading
    // zeros: try_parse_ip refuses them); IPv6 text has many, and an IPv4
    // address written as IPv6 ("::ffff:192.0.2.7") is another spelling.
    if (out->is_v4()) return text.find(':') == std::string_view::npos;
    return out->str() == text;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// One field's value in the text (record_schema.hpp); false for anything
// but the shapes put_field writes.
template <class R>
bool read_field(Reader& in, const FormatField<R>&, R&) {
  std::uint64_t n = 0;
  return in.count(n) && n == static_cast<std::uint64_t>(kRecordFormat);
}
template <class R>
bool read_field(Reader& in, const MacField<R>& f, R& r) {
  std::string_view text;
  if (!in.string(text)) return false;
  auto mac = try_parse_mac(text);
  if (!mac || mac->str() != text) return false;
  r.*f.member = *mac;
  return true;
}
template <class R>
bool read_field(Reader& in, const PrefixField<R>& f, R& r) {
  std::string_view text;
  if (!in.string(text)) return false;
  try {
    Prefix p = parse_prefix(text);
    if (p.str() != text) return false;
    r.*f.member = p;
    return true;
  } catch (const Error&) {
    return false;
  }
}
template <class R>
bool read_field(Reader& in, const TextField<R>& f, R& r) {
  std::string_view text;
  if (!in.string(text)) return false;
  r.*f.member = std::string(text);
  return true;
}
template <class R>
bool read_field(Reader& in, const TimeField<R>& f, R& r) {
  return in.time(r.*f.member);
}
template <class R>
bool read_field(Reader& in, const OptTimeField<R>& f, R& r) {
  return in.opt_time(r.*f.member);
}
template <class R>
bool read_field(Reader& in, const TimeListField<R>& f, R& r) {
  std::vector<UnixTime>& list = r.*f.member;
  if (!in.eat('[')) return false;
  if (in.eat(']')) return true;
  do {
    UnixTime t = 0;
    if (!in.time(t)) return false;
    list.push_back(t);
  } while (in.eat(','));
  return in.eat(']');
}
template <class R>
bool read_field(Reader& in, const OptIpField<R>& f, R& r) {
  return in.opt_ip(r.*f.member);
}
template <class R>
bool read_field(Reader& in, const CountField<R>& f, R& r) {
  return in.count(r.*f.member);
}
template <class R>
bool read_field(Reader& in, const SmallCountField<R>& f, R& r) {
  std::uint64_t n = 0;
  if (!in.count(n) || n > UINT32_MAX) return false;
  r.*f.member = static_cast<std::uint32_t>(n);
  return true;
}
template <class R>
bool read_field(Reader& in, const IntField<R>& f, R& r) {
  return in.integer(r.*f.member);
}
template <class R>
bool read_field(Reader& in, const FlagField<R>& f, R& r) {
  bool& flag = r.*f.member;
  flag = in.at('t');
  return in.eat(flag ? "true" : "false");
}
template <class R>
bool read_field(Reader& in, const ForeignListField<R>& f, R& r) {
  std::vector<ForeignFetch>& list = r.*f.member;
  if (!in.eat('[')) return false;
  if (in.eat(']')) return true;
  do {
    ForeignFetch x;
    std::optional<Ip> ip;
    if (!in.eat("{\"at\":") || !in.time(x.at) || !in.eat(",\"ip\":") || !in.opt_ip(ip) || !ip ||
        !in.eat('}'))
      return false;
    x.ip = *ip;
    list.push_back(x);
  } while (in.eat(','));
  return in.eat(']');
}

// Whether every string field of `r` is ASCII (and so valid UTF-8, which
// dump() checks); the text of any other is left to dump().
template <class R>
bool ascii_fields(const R& r) {
  bool ascii = true;
  for_each_field<R>([&](const auto& field) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, TextField<R>>)
      ascii = ascii && is_ascii(r.*field.member);
  });
  return ascii;
}

// How long the text of `r` is about to be, to reserve it at once.
template <class R>
std::size_t text_size_hint(const R& r) {
  std::size_t n = 32 * ByteOrder<R>::kCount;
  for_each_field<R>([&](const auto& field) {
    using F = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<F, TextField<R>>) n += (r.*field.member).size();
    if constexpr (std::is_same_v<F, TimeListField<R>>) n += 23 * (r.*field.member).size();
    if constexpr (std::is_same_v<F, ForeignListField<R>>) n += 80 * (r.*field.member).size();
  });
  return n;
}

template <class R>
std::string record_text(const R& r) {
  if (!ascii_fields(r)) return to_json(r).dump();
  std::string out;
  out.reserve(text_size_hint(r));
  // Each field opens with its key, in dump()'s (byte) order of keys.
  char sep = '{';
  for_each_field_in_byte_order<R>([&](const auto& field) {
    put_key(out, sep, field.name);
    sep = ',';
    put_field(out, r, field);
  });
  out += '}';
  return out;
}

template <class R>
std::optional<R> record_from_text(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  Reader in(text);
  R r;
  // The fields are read in the one order the text has them in: a key
  // missing, repeated, unknown or out of place stops the reading, as the
  // text would differ from the record's text anyway.
  bool ok = true;
  char sep = '{';
  for_each_field_in_byte_order<R>([&](const auto& field) {
    ok = ok && in.eat(sep) && in.key(field.name) && read_field(in, field, r);
    sep = ',';
  });
  // Each field was read only in its one written form, in the one order, with
  // nothing between them: the text is record_text(r) (the tests hold the two
  // to that on random and mutated texts).
  if (!ok || !in.eat('}') || !in.at_end()) return std::nullopt;
  return r;
}

}  // namespace

std::string device_record_text(const Device& d) {
  return record_text(d);
}
std::string address_record_text(const AddressRecord& a) {
  return record_text(a);
}
std::optional<Device> device_from_record_text(std::string_view text) {
  return record_from_text<Device>(text);
}
std::optional<AddressRecord> address_from_record_text(std::string_view text) {
  return record_from_text<AddressRecord>(text);
}

}  // namespace provlock
