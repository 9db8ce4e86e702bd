#include "lib/device_text.hpp"

#include <charconv>

#include "lib/device_schema.hpp"
#include "lib/json_text.hpp"

namespace provlock {
namespace {

using namespace device_schema;

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

// One field's value in the text, as dump() writes it (device_schema.hpp).
void put_field(std::string& out, const Device&, const FormatField&) {
  put_count(out, static_cast<std::uint64_t>(kRecordFormat));
}
void put_field(std::string& out, const Device& d, const MacField& f) {
  out += '"';
  out += (d.*f.member).str();
  out += '"';
}
void put_field(std::string& out, const Device& d, const TextField& f) {
  append_json_string(out, d.*f.member);
}
void put_field(std::string& out, const Device& d, const TimeField& f) {
  put_time(out, d.*f.member);
}
void put_field(std::string& out, const Device& d, const OptTimeField& f) {
  put_time(out, d.*f.member);
}
void put_field(std::string& out, const Device& d, const OptIpField& f) {
  put_ip(out, d.*f.member);
}
void put_field(std::string& out, const Device& d, const CountField& f) {
  put_count(out, d.*f.member);
}
void put_field(std::string& out, const Device& d, const FlagField& f) {
  out += d.*f.member ? "true" : "false";
}
void put_field(std::string& out, const Device& d, const ForeignListField& f) {
  out += '[';
  const std::vector<ForeignFetch>& list = d.*f.member;
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

// Reads the text of device_record_text. Every method takes only the one
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
    return out && out->str() == text;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// One field's value in the text (device_schema.hpp); false for anything
// but the shapes put_field writes.
bool read_field(Reader& in, const FormatField&, Device&) {
  std::uint64_t n = 0;
  return in.count(n) && n == static_cast<std::uint64_t>(kRecordFormat);
}
bool read_field(Reader& in, const MacField& f, Device& d) {
  std::string_view text;
  if (!in.string(text)) return false;
  auto mac = try_parse_mac(text);
  if (!mac || mac->str() != text) return false;
  d.*f.member = *mac;
  return true;
}
bool read_field(Reader& in, const TextField& f, Device& d) {
  std::string_view text;
  if (!in.string(text)) return false;
  d.*f.member = std::string(text);
  return true;
}
bool read_field(Reader& in, const TimeField& f, Device& d) {
  return in.time(d.*f.member);
}
bool read_field(Reader& in, const OptTimeField& f, Device& d) {
  return in.opt_time(d.*f.member);
}
bool read_field(Reader& in, const OptIpField& f, Device& d) {
  return in.opt_ip(d.*f.member);
}
bool read_field(Reader& in, const CountField& f, Device& d) {
  return in.count(d.*f.member);
}
bool read_field(Reader& in, const FlagField& f, Device& d) {
  bool& flag = d.*f.member;
  flag = in.at('t');
  return in.eat(flag ? "true" : "false");
}
bool read_field(Reader& in, const ForeignListField& f, Device& d) {
  std::vector<ForeignFetch>& list = d.*f.member;
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

}  // namespace

std::string device_record_text(const Device& d) {
  // dump() checks that strings are UTF-8; ASCII is, and anything else is
  // left to it.
  if (!is_ascii(d.account) || !is_ascii(d.label) || !is_ascii(d.user)) return to_json(d).dump();
  std::string out;
  out.reserve(420 + d.account.size() + d.label.size() + d.user.size() + 80 * d.foreign.size());
  // Each field opens with its key, in dump()'s (byte) order of keys.
  char sep = '{';
  for_each_field_in_byte_order([&](const auto& field) {
    put_key(out, sep, field.name);
    sep = ',';
    put_field(out, d, field);
  });
  out += '}';
  return out;
}

std::optional<Device> device_from_record_text(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  Reader in(text);
  Device d;
  // The fields are read in the one order the text has them in: a key
  // missing, repeated, unknown or out of place stops the reading, as the
  // text would differ from the device's text anyway.
  bool ok = true;
  char sep = '{';
  for_each_field_in_byte_order([&](const auto& field) {
    ok = ok && in.eat(sep) && in.key(field.name) && read_field(in, field, d);
    sep = ',';
  });
  // Each field was read only in its one written form, in the one order, with
  // nothing between them: the text is device_record_text(d) (the tests hold
  // the two to that on random and mutated texts).
  if (!ok || !in.eat('}') || !in.at_end()) return std::nullopt;
  return d;
}

}  // namespace provlock
