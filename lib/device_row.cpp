#include "lib/device_row.hpp"

#include <charconv>

namespace provlock {
namespace {

constexpr std::size_t kFields = 16;

void put_string(std::string& out, const std::string& s) {
  for (char c : s) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
}

template <class Int>
void put_int(std::string& out, Int value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void put_time(std::string& out, const std::optional<UnixTime>& t) {
  if (t) put_int(out, *t);
}

void put_ip(std::string& out, const std::optional<Ip>& ip) {
  if (ip) out += ip->str();
}

[[noreturn]] void bad(const char* what) {
  throw RecordError(std::string("not a device row: bad ") + what);
}

std::string get_string(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == field.size()) bad("escape");
    switch (field[i]) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case '\\':
        out += '\\';
        break;
      default:
        bad("escape");
    }
  }
  return out;
}

template <class Int>
Int get_int(std::string_view field, const char* what) {
  Int value{};
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc() || end != field.data() + field.size()) bad(what);
  return value;
}

std::optional<UnixTime> get_time(std::string_view field, const char* what) {
  if (field.empty()) return std::nullopt;
  return get_int<UnixTime>(field, what);
}

std::optional<Ip> get_ip(std::string_view field, const char* what) {
  if (field.empty()) return std::nullopt;
  auto ip = try_parse_ip(field);
  if (!ip) bad(what);
  return ip;
}

}  // namespace

std::string device_row(const Device& d) {
  std::string out;
  out.reserve(128);
  out += d.mac.str();
  out += '\t';
  put_string(out, d.account);
  out += '\t';
  put_string(out, d.label);
  out += '\t';
  put_int(out, d.registered);
  out += '\t';
  put_ip(out, d.bound_ip);
  out += '\t';
  put_time(out, d.bound_at);
  out += '\t';
  put_time(out, d.first_provisioned);
  out += '\t';
  put_time(out, d.unlock_until);
  out += '\t';
  put_int(out, d.unlock_all_seen);
  out += '\t';
  out += d.blocked ? '1' : '0';
  out += '\t';
  put_time(out, d.blocked_at);
  out += '\t';
  for (std::size_t i = 0; i < d.foreign.size(); ++i) {
    if (i) out += ',';
    put_int(out, d.foreign[i]);
  }
  out += '\t';
  put_time(out, d.last_seen);
  out += '\t';
  put_ip(out, d.last_ip);
  out += '\t';
  put_int(out, d.allowed);
  out += '\t';
  put_int(out, d.denied);
  return out;
}

Device device_from_row(std::string_view row) {
  std::string_view f[kFields];
  std::size_t n = 0;
  for (;;) {
    const auto tab = row.find('\t');
    if (n == kFields) bad("field count");
    f[n++] = row.substr(0, tab);
    if (tab == std::string_view::npos) break;
    row.remove_prefix(tab + 1);
  }
  if (n != kFields) bad("field count");
  Device d;
  auto mac = try_parse_mac(f[0]);
  if (!mac || f[0].size() != 12) bad("mac");
  d.mac = *mac;
  d.account = get_string(f[1]);
  d.label = get_string(f[2]);
  d.registered = get_int<UnixTime>(f[3], "registered");
  d.bound_ip = get_ip(f[4], "bound_ip");
  d.bound_at = get_time(f[5], "bound_at");
  d.first_provisioned = get_time(f[6], "first_provisioned");
  d.unlock_until = get_time(f[7], "unlock_until");
  d.unlock_all_seen = get_int<std::uint64_t>(f[8], "unlock_all_seen");
  if (f[9] != "0" && f[9] != "1") bad("blocked");
  d.blocked = f[9] == "1";
  d.blocked_at = get_time(f[10], "blocked_at");
  for (std::string_view rest = f[11]; !rest.empty();) {
    const auto comma = rest.find(',');
    d.foreign.push_back(get_int<UnixTime>(rest.substr(0, comma), "foreign"));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) bad("foreign");
  }
  d.last_seen = get_time(f[12], "last_seen");
  d.last_ip = get_ip(f[13], "last_ip");
  d.allowed = get_int<std::uint64_t>(f[14], "allowed");
  d.denied = get_int<std::uint64_t>(f[15], "denied");
  return d;
}

}  // namespace provlock
