#include "lib/device_text.hpp"

#include <charconv>

#include "lib/json_text.hpp"

namespace provlock {
namespace {

void put_key(std::string& out, std::string_view key) {
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

// Reads the text of device_record_text. Every method returns false for
// anything outside the few shapes that text is made of; the reader then
// gives up, and the JSON reading decides.
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
  bool at_end() const { return i_ == s_.size(); }
  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }

  // A string of printable ASCII, no escapes.
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
    i_ += static_cast<std::size_t>(stop - begin);
    return true;
  }
  bool time(UnixTime& out) {
    std::string_view text;
    if (!string(text)) return false;
    try {
      out = parse_time(text);
    } catch (const std::exception&) {
      return false;
    }
    return true;
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
    return out.has_value();
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

bool read_field(Reader& in, std::string_view key, Device& d) {
  std::string_view text;
  std::uint64_t n = 0;
  if (key == "account" || key == "label") {
    if (!in.string(text)) return false;
    (key == "account" ? d.account : d.label) = std::string(text);
    return true;
  }
  if (key == "allowed") return in.count(d.allowed);
  if (key == "denied") return in.count(d.denied);
  if (key == "unlock_all_seen") return in.count(d.unlock_all_seen);
  if (key == "format") return in.count(n) && n == static_cast<std::uint64_t>(kRecordFormat);
  if (key == "blocked") {
    d.blocked = in.at('t');
    return in.eat(d.blocked ? "true" : "false");
  }
  if (key == "blocked_at") return in.opt_time(d.blocked_at);
  if (key == "bound_at") return in.opt_time(d.bound_at);
  if (key == "first_provisioned") return in.opt_time(d.first_provisioned);
  if (key == "unlock_until") return in.opt_time(d.unlock_until);
  if (key == "last_seen") return in.opt_time(d.last_seen);
  if (key == "registered") return in.time(d.registered);
  if (key == "bound_ip") return in.opt_ip(d.bound_ip);
  if (key == "last_ip") return in.opt_ip(d.last_ip);
  if (key == "mac") {
    if (!in.string(text)) return false;
    auto mac = try_parse_mac(text);
    if (mac) d.mac = *mac;
    return mac.has_value();
  }
  if (key == "foreign") {
    if (!in.eat('[')) return false;
    if (in.eat(']')) return true;
    do {
      UnixTime t = 0;
      if (!in.time(t)) return false;
      d.foreign.push_back(t);
    } while (in.eat(','));
    return in.eat(']');
  }
  return false;
}

}  // namespace

std::string device_record_text(const Device& d) {
  // dump() checks that strings are UTF-8; ASCII is, and anything else is
  // left to it.
  if (!is_ascii(d.account) || !is_ascii(d.label)) return to_json(d).dump();
  std::string out;
  out.reserve(400 + d.account.size() + d.label.size() + 23 * d.foreign.size());
  // Each field opens with its key, in dump()'s (byte) order of keys.
  char sep = '{';
  auto key = [&](std::string_view name) {
    out += sep;
    sep = ',';
    put_key(out, name);
  };
  key("account");
  append_json_string(out, d.account);
  key("allowed");
  put_count(out, d.allowed);
  key("blocked");
  out += d.blocked ? "true" : "false";
  key("blocked_at");
  put_time(out, d.blocked_at);
  key("bound_at");
  put_time(out, d.bound_at);
  key("bound_ip");
  put_ip(out, d.bound_ip);
  key("denied");
  put_count(out, d.denied);
  key("first_provisioned");
  put_time(out, d.first_provisioned);
  key("foreign");
  out += '[';
  for (std::size_t i = 0; i < d.foreign.size(); ++i) {
    if (i) out += ',';
    put_time(out, d.foreign[i]);
  }
  out += ']';
  key("format");
  put_count(out, static_cast<std::uint64_t>(kRecordFormat));
  key("label");
  append_json_string(out, d.label);
  key("last_ip");
  put_ip(out, d.last_ip);
  key("last_seen");
  put_time(out, d.last_seen);
  key("mac");
  out += '"';
  out += d.mac.str();
  out += '"';
  key("registered");
  put_time(out, d.registered);
  key("unlock_all_seen");
  put_count(out, d.unlock_all_seen);
  key("unlock_until");
  put_time(out, d.unlock_until);
  out += '}';
  return out;
}

std::optional<Device> device_from_record_text(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  Reader in(text);
  Device d;
  if (!in.eat('{')) return std::nullopt;
  do {
    std::string_view key;
    if (!in.string(key) || !in.eat(':') || !read_field(in, key, d)) return std::nullopt;
  } while (in.eat(','));
  if (!in.eat('}') || !in.at_end()) return std::nullopt;
  // Whatever the fields were, only the one text of this device is taken:
  // keys missing, repeated or out of order, numbers or times written
  // another way, all differ from it.
  if (device_record_text(d) != text) return std::nullopt;
  return d;
}

}  // namespace provlock
