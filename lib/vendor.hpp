// Which device a phone's request is for (SPEC §7): the MAC in the requested
// file name, by the vendors' naming patterns, or in the User-Agent, by the
// vendors' formats; and which files carry no MAC and are public. Pure text
// functions: the CGI front reads the request, these only look at strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/mac.hpp"

namespace provlock {

// The built-in file-name patterns (config key cgi.patterns), one per
// vendor file: Yealink <mac>.cfg and <mac>-local.cfg; Polycom <mac>.cfg,
// <mac>-phone.cfg, <mac>-web.cfg, <mac>-user.cfg, <mac>-directory.xml and
// <mac>-calls.xml; Cisco SPA spa<mac>.cfg and spa<mac>.xml; Cisco
// SEP<MAC>.cnf.xml, SIP<MAC>.cnf (79xx SIP) and ATA<MAC>.cnf.xml (ATA
// 187/191); Grandstream cfg<mac> and cfg<mac>.xml (Htek too); Snom
// snom<model>-<MAC>.htm and <MAC>.xml; Fanvil and Aastra <mac>.cfg.
std::vector<std::string> default_mac_patterns();

// Why `pattern` cannot be a file-name pattern, or nullopt when it can. A
// pattern holds exactly one "{mac}" (12 hex digits, either case), may hold
// '*' (any run of characters) and '?' (any one character), and otherwise
// literal characters, compared ignoring ASCII case; it names a file, so it
// has no '/', and no '{' or '}' outside "{mac}". At most 256 bytes.
std::optional<std::string> mac_pattern_problem(std::string_view pattern);

// The MAC named by `file_name` (one path component) under the first of
// `patterns` that matches the whole name and captures a valid MAC (see
// try_parse_mac: the all-zero, all-ones and group addresses are none).
// Where '*' leaves a choice, the leftmost capture counts. Patterns that
// mac_pattern_problem refuses never match.
std::optional<Mac> mac_from_file_name(std::string_view file_name,
                                      const std::vector<std::string>& patterns);

// The MACs a request path spells as hex runs (SPEC §7), whatever its
// shape: a run is a longest sequence of hex digits (either case) in the
// path, so '/', '.', '-' and every other non-hex character end one.
//   - A run of exactly 12 digits that is a valid MAC (see try_parse_mac)
//     names that MAC. The 12-digit runs that are no MAC (all-zero,
//     all-ones, group) name nothing.
//   - A run of 13 or more digits names no MAC by itself: it may be a hash,
//     a serial number or a time stamp. But a MAC written against hex
//     letters (Cisco's spa<mac>, ata<mac>) is such a run too, so when any
//     12-digit window of the run is a valid MAC, the run "may hold" a MAC,
//     and a request naming a MAC that is not inside it does not match it.
//     An attacker cannot use this to hide a victim's MAC: the run then has
//     to contain the MAC the request is judged by.
// One pass over the path; no allocation unless the path holds a long run.
struct PathMacs {
  std::optional<Mac> mac;  // the MAC of the first 12-digit run that is one
  bool conflict = false;   // another 12-digit run names a different MAC
  // The long runs that may hold a MAC; views into the path examined.
  std::vector<std::string_view> long_runs;

  // Whether a request judged as `m` agrees with this path: `m` is `mac`
  // (when set) and lies within every long run, and there is no conflict.
  bool admits(const Mac& m) const;
};
PathMacs macs_in_path(std::string_view path);

// Which device a request is for, from all the places it can name one
// (SPEC §7): the file name by `patterns`, every hex run of the whole path
// (macs_in_path) and the User-Agent (mac_from_user_agent). They must agree.
struct RequestMac {
  // The MAC the request is judged by: the file name's, else the path's,
  // else the User-Agent's; nullopt when none names one (or on a mismatch).
  std::optional<Mac> mac;
  // The sources name different MACs (two runs of the path, the path and
  // the User-Agent, or a MAC outside a long run that may hold one).
  bool mismatch = false;
  std::optional<Mac> path_mac;   // what the path names (file name pattern, else a run)
  std::optional<Mac> agent_mac;  // what the User-Agent names
};
RequestMac request_mac(std::string_view path, std::string_view file_name,
                       std::string_view user_agent, const std::vector<std::string>& patterns);

// The MAC a phone puts in its User-Agent, recognised only in the formats of
// the vendors that do so; anything else names no MAC, even if it holds
// something that looks like one. Vendor names are compared ignoring case.
//   Yealink      "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"  last word
//   Fanvil       "Fanvil X4 2.10.2.6887 0c383e07e16c"            last word
//   Htek         "Htek UC903 2.0.4.2 00:1f:c1:1c:22:a9"          last word
//   Grandstream  "Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b828aa872"
//   Cisco SPA    "Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)"
//                the first of two bracketed groups; one group alone is the
//                serial number
//   Snom         "Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)"
//                a 12-hex-digit word after snom<model>-SIP, inside the brackets
//   AudioCodes   "AUDC-IPPhone/2.2.8.61 (440HDG-Rev0; 00908F602AAC)"
//   Aastra       "Aastra6731i MAC:00-08-5D-29-4C-6B V:3.3.1.4305-SIP"
//                (Mitel's later firmware of the same phones too)
std::optional<Mac> mac_from_user_agent(std::string_view user_agent);

// Whether `file_name` matches one of `patterns` (cgi.public), shell-style as
// fnmatch(3) without flags: such files carry no MAC and are served to anyone.
bool is_public_file(std::string_view file_name, const std::vector<std::string>& patterns);

}  // namespace provlock
