// A CGI/1.1 request (RFC 3875) as provlock reads it: from the variables the
// web server hands the program (the environment of a CGI program, the
// params of a FastCGI request), never from argv, and checked before
// anything is looked up.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lib/identity.hpp"
#include "lib/ip.hpp"

namespace provlock::cli {

inline constexpr std::size_t kMaxPathBytes = 1024;
inline constexpr std::size_t kMaxUserAgentBytes = 1024;

// The request's variables: the value of one, nullptr when it is unset. A
// CGI program's is getenv; a FastCGI request's, FCGX_GetParam.
using RequestVars = std::function<const char*(const char* name)>;

struct CgiRequest {
  std::string method;  // REQUEST_METHOD, as sent (methods are case-sensitive)
  // The requested path beneath cgi.root, "/" or "/dir/file.cfg"; a trailing
  // '/' asks for a directory, which is never served.
  std::string path;
  // Its components: never empty, ".", ".." or containing '/'. `file_name`
  // (the last one) is "" for a directory.
  std::vector<std::string> dirs;
  std::string file_name;
  // The URL prefix the path sits under (SCRIPT_NAME, or "" when the path is
  // the whole URL), so that a reply can name another URL of this program.
  std::string base;
  std::string user_agent;      // HTTP_USER_AGENT, "" when not sent
  Ip remote_addr;              // REMOTE_ADDR
  // Who the server verified is asking: REMOTE_USER (nullopt when unset or
  // empty), and the MAC of a verified client certificate (see
  // certificate_identity).
  Identity identity;
  // Why a verified certificate is no identity although it looks like one
  // (its fields name two MACs), for the server's error log; "" otherwise.
  std::string certificate_note;
  std::uint64_t content_length = 0;
};

// The MAC of the client certificate the server verified (SPEC §7), into
// r.identity.certificate: only with SSL_CLIENT_VERIFY exactly "SUCCESS"
// (NONE, FAILED:..., GENEROUS are no identity), from the variables
// `cert_fields` names (cgi.cert_fields), by mac_in_certificate_field. The
// fields that are set must agree: two different MACs, in one field or
// across them, are no identity and leave a note. A field over 1024 bytes is
// no MAC's.
void certificate_identity(CgiRequest& r, const RequestVars& vars,
                          const std::vector<std::string>& cert_fields);

// Reads the request from `vars`. The path is PATH_INFO, which the
// server has already percent-decoded and which is therefore taken as it is;
// when the server sets no PATH_INFO, it is REQUEST_URI without its query
// string, percent-decoded here once, less a leading SCRIPT_NAME.
//
// Throws Error(Exit::data) naming the fault (the caller answers 400) for a
// path longer than kMaxPathBytes, not valid UTF-8, holding a control byte,
// an empty, "." or ".." component, a component over 255 bytes, an encoded
// '/' or a bad percent escape in REQUEST_URI; and for a User-Agent longer
// than kMaxUserAgentBytes, not valid UTF-8 or holding a control byte other
// than tab. Throws Error(Exit::usage) (the caller answers 500: the server,
// not the client, is at fault) when REQUEST_METHOD or REMOTE_ADDR is missing
// or REMOTE_ADDR is not an address. A zone id on REMOTE_ADDR ("fe80::1%eth0")
// is dropped. The certificate identity is read by certificate_identity with
// `cert_fields`.
CgiRequest read_cgi_request(const RequestVars& vars, const std::vector<std::string>& cert_fields);

}  // namespace provlock::cli
