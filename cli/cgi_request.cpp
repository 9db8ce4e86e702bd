#include "cli/cgi_request.hpp"

#include <cstdint>
#include <string_view>

#include "lib/error.hpp"
#include "lib/hex.hpp"
#include "lib/json_text.hpp"

namespace provlock::cli {
namespace {

constexpr std::size_t kMaxNameBytes = 255;  // NAME_MAX: no longer name can exist
// A subject field is a few dozen bytes; a longer one is nobody's MAC.
constexpr std::size_t kMaxCertificateFieldBytes = 1024;
// A raw REQUEST_URI may spell each byte of the path as "%XX".
constexpr std::size_t kMaxRawUriBytes = 3 * kMaxPathBytes + 2048;

// The variables as the reading below sees them: "" for an unset one, and
// whether it is set at all.
class Vars {
 public:
  explicit Vars(const RequestVars& vars) : vars_(vars) {}
  std::string operator()(const char* name) const {
    const char* v = vars_(name);
    return v ? v : "";
  }
  bool set(const char* name) const { return vars_(name) != nullptr; }

 private:
  const RequestVars& vars_;
};

[[noreturn]] void bad(const std::string& what, std::string_view value) {
  // Bytes >= 0x80 escaped too: the value may be anything but UTF-8.
  throw Error(Exit::data, what + " " + quoted(value, true));
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
// U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

bool has_control(std::string_view s, bool tab_ok) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) return true;
  }
  return false;
}

// The path of a raw REQUEST_URI, decoded once. An encoded '/' would let one
// component pose as two, so it is refused rather than decoded.
std::string decode_request_uri(std::string_view uri) {
  if (uri.size() > kMaxRawUriBytes) bad("request URI too long:", uri);
  uri = uri.substr(0, uri.find('?'));
  std::string out;
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] != '%') {
      out += uri[i];
      continue;
    }
    const int hi = i + 2 < uri.size() ? hex_value(uri[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(uri[i + 2]) : -1;
    if (lo < 0) bad("bad percent escape in request URI", uri);
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '/') bad("encoded '/' in request URI", uri);
    out += c;
    i += 2;
  }
  return out;
}

void check_path(CgiRequest& r) {
  const std::string& p = r.path;
  if (p.size() > kMaxPathBytes)
    bad("path longer than " + std::to_string(kMaxPathBytes) + " bytes:", p);
  if (!valid_utf8(p)) bad("path is not UTF-8:", p);
  if (has_control(p, false)) bad("control character in path", p);
  if (p.empty() || p == "/") return;  // the root directory itself
  if (p[0] != '/') bad("path does not start with '/':", p);
  std::vector<std::string> parts;
  for (std::size_t start = 1;;) {
    const std::size_t slash = p.find('/', start);
    parts.push_back(p.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& name = parts[i];
    if (name.empty() && i + 1 < parts.size()) bad("empty component in path", p);
    if (name == "." || name == "..") bad("'.' or '..' in path", p);
    if (name.size() > kMaxNameBytes) bad("path component longer than 255 bytes:", p);
  }
  r.file_name = parts.back();  // "" after a trailing '/'
  parts.pop_back();
  r.dirs = std::move(parts);
}

}  // namespace

void certificate_identity(CgiRequest& r, const RequestVars& vars,
                          const std::vector<std::string>& cert_fields) {
  const Vars env(vars);
  if (env("SSL_CLIENT_VERIFY") != "SUCCESS") return;
  std::optional<Mac> found;
  for (const std::string& field : cert_fields) {
    const std::string value = env(field.c_str());
    if (value.empty()) continue;
    if (value.size() > kMaxCertificateFieldBytes) {
      r.certificate_note = "client certificate: " + field + " is longer than " +
                           std::to_string(kMaxCertificateFieldBytes) + " bytes: no identity";
      return;
    }
    const CertificateMac named = mac_in_certificate_field(value);
    if (named.conflict || (named.mac && found && *found != *named.mac)) {
      r.certificate_note = "client certificate: " + field + " " + provlock::quoted(value, true) +
                           (named.conflict ? " names two different MACs"
                                           : " names another MAC than " + found->str()) +
                           ": no identity";
      return;
    }
    if (named.mac) found = named.mac;
  }
  r.identity.certificate = found;
}

CgiRequest read_cgi_request(const RequestVars& vars, const std::vector<std::string>& cert_fields) {
  const Vars env(vars);
  CgiRequest r;
  if (!env.set("REQUEST_METHOD"))
    throw Error(Exit::usage, "REQUEST_METHOD is not set: provlock cgi runs under a web server");
  r.method = env("REQUEST_METHOD");

  std::string addr = env("REMOTE_ADDR");
  addr = addr.substr(0, addr.find('%'));
  auto ip = try_parse_ip(addr);
  if (!ip)
    throw Error(Exit::usage,
                "REMOTE_ADDR " + quoted(env("REMOTE_ADDR"), true) + " is not an IP address");
  r.remote_addr = *ip;
  if (std::string user = env("REMOTE_USER"); !user.empty()) {
    if (!usable_user_name(user))
      throw Error(Exit::data, "REMOTE_USER " + quoted(user, true) + " is not a user name (" +
                                  std::string(kUserNameRule) + ")");
    r.identity.user = std::move(user);
  }
  certificate_identity(r, vars, cert_fields);

  r.base = env("SCRIPT_NAME");
  if (env.set("PATH_INFO")) {
    r.path = env("PATH_INFO");
  } else {
    r.path = decode_request_uri(env("REQUEST_URI"));
    // Under a rewrite the script's own URL is not a prefix of the request.
    if (!r.base.empty() && (r.path == r.base || r.path.starts_with(r.base + "/")))
      r.path.erase(0, r.base.size());
    else
      r.base.clear();
  }
  check_path(r);

  r.user_agent = env("HTTP_USER_AGENT");
  if (r.user_agent.size() > kMaxUserAgentBytes)
    bad("User-Agent longer than " + std::to_string(kMaxUserAgentBytes) + " bytes:", r.user_agent);
  if (!valid_utf8(r.user_agent)) bad("User-Agent is not UTF-8:", r.user_agent);
  if (has_control(r.user_agent, true)) bad("control character in User-Agent", r.user_agent);

  return r;
}

}  // namespace provlock::cli
