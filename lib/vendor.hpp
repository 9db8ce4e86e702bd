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
// <mac>-phone.cfg, <mac>-user.cfg and <mac>-directory.xml; Cisco SPA
// spa<mac>.xml; Cisco SEP<MAC>.cnf.xml; Grandstream cfg<mac> and
// cfg<mac>.xml (Htek too); Snom snom<model>-<MAC>.htm and <MAC>.xml; Fanvil
// and Aastra <mac>.cfg.
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
