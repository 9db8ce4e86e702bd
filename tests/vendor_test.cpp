#include "lib/vendor.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/error.hpp"

using provlock::Config;
using provlock::default_mac_patterns;
using provlock::Error;
using provlock::Exit;
using provlock::is_public_file;
using provlock::mac_from_file_name;
using provlock::mac_from_user_agent;
using provlock::mac_pattern_problem;
using provlock::parse_config;

namespace {

// The MAC `name` names under the default patterns, as 12 hex digits, or "".
std::string by_name(const std::string& name) {
  auto mac = mac_from_file_name(name, default_mac_patterns());
  return mac ? mac->str() : "";
}

std::string by_agent(const std::string& ua) {
  auto mac = mac_from_user_agent(ua);
  return mac ? mac->str() : "";
}

}  // namespace

TEST_CASE("vendor: every vendor's file names name their MAC") {
  const std::pair<const char*, const char*> cases[] = {
      {"001565aabbcc.cfg", "001565aabbcc"},        // Yealink, Polycom, Fanvil, Aastra
      {"001565AABBCC-local.cfg", "001565aabbcc"},  // Yealink
      {"0004f2aabbcc-phone.cfg", "0004f2aabbcc"},  // Polycom
      {"0004f2aabbcc-user.cfg", "0004f2aabbcc"},     {"0004f2aabbcc-directory.xml", "0004f2aabbcc"},
      {"spa0002fdff2103.xml", "0002fdff2103"},        // Cisco SPA
      {"SEP0002FDFF2103.cnf.xml", "0002fdff2103"},    // Cisco
      {"cfg000b828aa872", "000b828aa872"},            // Grandstream
      {"cfg000b828aa872.xml", "000b828aa872"},        // Grandstream, Htek
      {"snomD785-000413922D24.htm", "000413922d24"},  // Snom
      {"snom710-000413741767.htm", "000413741767"},  {"000413922D24.xml", "000413922d24"},  // Snom
  };
  for (const auto& [name, mac] : cases) {
    CAPTURE(name);
    CHECK(by_name(name) == mac);
  }
}

TEST_CASE("vendor: file names that name no MAC") {
  for (const char* name : {
           "",                      // a directory
           "y000000000028.cfg",     // Yealink common file
           "000000000000.cfg",      // Polycom: the all-zero address is no device
           "ffffffffffff.cfg",      // broadcast
           "010203040506.cfg",      // group (multicast) address
           "001565aabbc.cfg",       // 11 digits
           "001565aabbccd.cfg",     // 13 digits
           "001565aabbcg.cfg",      // not hex
           "001565aabbcc.cfg.bak",  // not the whole name
           "x001565aabbcc.cfg",
           "00:15:65:aa:bb:cc.cfg",  // file names spell MACs without separators
           "spa0002fdff2103.txt", "SEP0002FDFF2103.xml", "snom-000413922D24.xml", "index.html",
           "../001565aabbcc.cfg",  // a path, not a file name
       }) {
    CAPTURE(name);
    CHECK(by_name(name).empty());
  }
}

TEST_CASE("vendor: configured patterns, '*', '?' and case") {
  const std::vector<std::string> patterns = {"phones/{mac}.cfg", "{mac}", "t?\?-{mac}.boot",
                                             "*x*{mac}*.cnf"};
  auto mac_of = [&](const char* name) {
    auto m = mac_from_file_name(name, patterns);
    return m ? m->str() : "";
  };
  CHECK(mac_of("001565aabbcc") == "001565aabbcc");  // "{mac}" alone
  CHECK(mac_of("T46-001565AABBCC.BOOT") == "001565aabbcc");
  CHECK(mac_of("t4-001565aabbcc.boot").empty());  // '?' is exactly one character
  CHECK(mac_of("axbx001565aabbccyy.cnf") == "001565aabbcc");
  CHECK(mac_of("x001565aabbcc001565ddeeff.cnf") == "001565aabbcc");  // leftmost capture
  CHECK(mac_of("xaaa.cnf").empty());
  CHECK(mac_of("phones/001565aabbcc.cfg").empty());  // has a '/': never matches
  // A pattern whose capture is no valid MAC gives way to the next one.
  CHECK(mac_from_file_name("000000000000-001565aabbcc", {"{mac}*", "*-{mac}"})->str() ==
        "001565aabbcc");
}

TEST_CASE("vendor: a pattern needs exactly one {mac} and names one file") {
  for (const auto& p : default_mac_patterns()) {
    CAPTURE(p);
    CHECK_FALSE(mac_pattern_problem(p));
  }
  for (const char* p :
       {"", "*.cfg", "{mac}{mac}", "a/{mac}", "{MAC}.cfg", "{mac.cfg", "}{mac}", "{mac}\n"}) {
    CAPTURE(p);
    CHECK(mac_pattern_problem(p));
  }
  CHECK(mac_pattern_problem(std::string(300, 'a') + "{mac}"));
}

TEST_CASE("vendor: cgi.patterns in the config, refused with key and file") {
  Config c = parse_config("[cgi]\npatterns = [\"prov-{mac}.txt\"]\n", "p.toml");
  REQUIRE(c.cgi.mac_patterns.size() == 1);
  CHECK(mac_from_file_name("prov-001565aabbcc.txt", c.cgi.mac_patterns)->str() == "001565aabbcc");
  CHECK(Config{}.cgi.mac_patterns == default_mac_patterns());
  try {
    parse_config("[cgi]\npatterns = [\"{mac}.cfg\", \"common.cfg\"]\n", "p.toml");
    FAIL("accepted a pattern without {mac}");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::config);
    const std::string message = e.what();
    CHECK(message.find("p.toml") != std::string::npos);
    CHECK(message.find("cgi.patterns") != std::string::npos);
    CHECK(message.find("'common.cfg'") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_config("[cgi]\nroot = \"srv\"\n", "p.toml"), Error);
}

TEST_CASE("vendor: each vendor's User-Agent names its MAC") {
  const std::pair<const char*, const char*> cases[] = {
      {"Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37", "0015654aa937"},
      {"yealink SIP-T21P_E2 52.84.0.15 00:15:65:12:34:56", "001565123456"},
      {"Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b828aa872", "000b828aa872"},
      {"Fanvil X4 2.10.2.6887 0c383e07e16c", "0c383e07e16c"},
      {"Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)", "0002fdff2103"},
      {"Cisco/SPA508G-7.4.8a (0002FDFF2103)(CBT141400UK)", "0002fdff2103"},
      {"Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)",
       "000413741767"},
      {"Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 "
       "SXM:0 UXM:0)",
       "000413922d24"},
      {"Htek UC903 2.0.4.2 00:1f:c1:1c:22:a9", "001fc11c22a9"},
      {"AUDC-IPPhone/2.2.8.61 (440HDG-Rev0; 00908F602AAC)", "00908f602aac"},
      {"Aastra6731i MAC:00-08-5D-29-4C-6B V:3.3.1.4305-SIP", "00085d294c6b"},
      {"Aastra57i MAC:00-08-5D-19-94-B7 V:2.3.1.26-SIP", "00085d1994b7"},
      {"Mitel6869i MAC:08-00-0F-74-AB-CD V:5.1.0.2051-SIP", "08000f74abcd"},
  };
  for (const auto& [ua, mac] : cases) {
    CAPTURE(ua);
    CHECK(by_agent(ua) == mac);
  }
}

TEST_CASE("vendor: User-Agents that name no MAC") {
  for (const char* ua : {
           "",
           "curl/7.88.1",
           "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
           "Foo Phone 1.0 00:15:65:4a:a9:37",  // not a vendor that does this
           "001565aabbcc",
           "Yealink SIP-T21P 34.72.0.1",  // older firmware: no MAC
           "Yealink",
           "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9",     // cut short
           "Yealink SIP-T46G 28.72.0.1 01:00:5e:00:00:01",  // multicast
           "Yealink SIP-T46G 28.72.0.1 00:00:00:00:00:00",  // all-zero
           "Fanvil X4 2.10.2.6887 ff:ff:ff:ff:ff:ff",       // broadcast
           "Fanvil X4 2.10.2.6887",
           "Htek UC903 2.0.4.2 00-1f-c1:1c:22:a9",       // mixed separators
           "Grandstream Model HW GXP2170 SW 1.0.9.135",  // no DevId
           "Grandstream Model HW GXP2170 SW 1.0.9.135 DevId",
           "Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b828aa87",
           "Cisco/SPA525G-7.4.4 (CBT141900G7)",   // serial only
           "Cisco/SPA504G-7.5.5 (0002FDFF2103)",  // one group is the serial
           "Linksys/SPA-942-6.1.5(a) (88019FA42805)",
           "Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)",
           "Mozilla/4.0 (compatible; snom320-SIP 6.5.20; snom320 jffs2 v3.36; 000413741767)",
           "Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35) 000413741767",  // outside the brackets
           "AUDC-IPPhone/2.2.8.61 (440HDG-Rev0)",
           "AUDC-IPPhone/2.2.8.61 (440HDG-Rev0; 00908F602AA)",
           "Aastra6731i V:3.3.1.4305-SIP",
           "Aastra6731i MAC: V:3.3.1.4305-SIP",
       }) {
    CAPTURE(ua);
    CHECK(by_agent(ua).empty());
  }
}

TEST_CASE("vendor: public files by shell pattern") {
  const auto& pub = Config{}.cgi.public_files;
  CHECK(is_public_file("000000000000.cfg", pub));
  CHECK(is_public_file("000000000000-directory.xml", pub));
  CHECK(is_public_file("y000000000028.cfg", pub));
  CHECK(is_public_file("T46-28.83.0.50.rom", pub));
  CHECK(is_public_file("sip.ld", pub));
  CHECK_FALSE(is_public_file("001565aabbcc.cfg", pub));
  CHECK_FALSE(is_public_file("y0000000000028.cfg", pub));
  CHECK_FALSE(is_public_file("", pub));
}

namespace {

using provlock::macs_in_path;
using provlock::request_mac;
using provlock::try_parse_mac;

// The request's MAC under the default patterns, as 12 hex digits; "" when
// none; "mismatch" when the sources disagree.
std::string judged(const std::string& path, const std::string& ua = "") {
  const std::string file = path.substr(path.rfind('/') + 1);
  const auto r = request_mac(path, file, ua, default_mac_patterns());
  if (r.mismatch) {
    CHECK_FALSE(r.mac);
    return "mismatch";
  }
  return r.mac ? r.mac->str() : "";
}

const char* const kVictim = "001122aabbcc";
const char* const kAttackerUa = "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37";  // 0015654aa937

}  // namespace

TEST_CASE("vendor: new default patterns name their MAC without a User-Agent") {
  const std::pair<const char*, const char*> cases[] = {
      {"spa001122aabbcc.cfg", kVictim},      // Cisco SPA (and Linksys)
      {"001122aabbcc-web.cfg", kVictim},     // Polycom web overrides
      {"001122aabbcc-calls.xml", kVictim},   // Polycom call lists
      {"SIP001122AABBCC.cnf", kVictim},      // Cisco 79xx SIP
      {"ATA001122AABBCC.cnf.xml", kVictim},  // Cisco ATA 187/191
  };
  for (const auto& [name, mac] : cases) {
    CAPTURE(name);
    CHECK(by_name(name) == mac);
    CHECK(judged(std::string("/") + name) == mac);
  }
}

TEST_CASE("vendor: macs_in_path finds every 12-digit run in every component") {
  auto first = [](const char* path) {
    auto m = macs_in_path(path).mac;
    return m ? m->str() : "";
  };
  CHECK(first("/001122aabbcc.cfg") == kVictim);
  CHECK(first("/x-001122AABBCC-web.cfg") == kVictim);
  CHECK(first("/phones/001122aabbcc/settings.cfg") == kVictim);  // a directory
  CHECK(first("/001122aabbcc/") == kVictim);
  CHECK(first("/a_001122aabbcc_b") == kVictim);
  // No valid MAC: all-zero, all-ones, group address, 11 digits.
  for (const char* path : {"/000000000000.cfg", "/ffffffffffff.cfg", "/010203040506.cfg",
                           "/01005e000001-web.cfg", "/001122aabbc.cfg", "/index.html", "", "/"}) {
    CAPTURE(path);
    const auto p = macs_in_path(path);
    CHECK_FALSE(p.mac);
    CHECK_FALSE(p.conflict);
    CHECK(p.long_runs.empty());
  }
  // Two different MACs anywhere in the path conflict; the same one twice does not.
  CHECK(macs_in_path("/001122aabbcc/0015654aa937.cfg").conflict);
  CHECK(macs_in_path("/001122aabbcc-0015654aa937.cfg").conflict);
  CHECK_FALSE(macs_in_path("/001122aabbcc/001122AABBCC.cfg").conflict);
  // A zero run beside a MAC is no second MAC.
  CHECK_FALSE(macs_in_path("/000000000000/001122aabbcc.cfg").conflict);
}

TEST_CASE("vendor: runs longer than 12 digits name no MAC but may hold one") {
  const auto victim = *try_parse_mac(kVictim);
  const auto attacker = *try_parse_mac("0015654aa937");
  // spa<mac>: the 'a' of "spa" makes a 13-digit run.
  auto p = macs_in_path("/spa001122aabbcc.cfg");
  CHECK_FALSE(p.mac);
  REQUIRE(p.long_runs.size() == 1);
  CHECK(p.long_runs[0] == "a001122aabbcc");
  CHECK(p.admits(victim));
  CHECK_FALSE(p.admits(attacker));
  // Hex padding on both sides, in any case, in a directory.
  p = macs_in_path("/dead001122AABBCCbeef/x.cfg");
  CHECK(p.admits(victim));
  CHECK_FALSE(p.admits(attacker));
  // A long run none of whose windows is a valid MAC constrains nothing.
  p = macs_in_path("/0000000000000000.cfg");
  CHECK(p.long_runs.empty());
  CHECK(p.admits(attacker));
  p = macs_in_path("/fffffffffffffffffff.bin");
  CHECK(p.long_runs.empty());
}

TEST_CASE("vendor: the path's MAC and the User-Agent's must agree, whatever the shape") {
  // Victim-shaped paths with the attacker's User-Agent: never the attacker's MAC.
  for (const char* path : {
           "/001122aabbcc.cfg",               // a default pattern
           "/spa001122aabbcc.cfg",            // a default pattern, 13-digit run
           "/001122aabbcc-web.cfg",           // a default pattern
           "/001122aabbcc-anything.txt",      // no pattern: the 12-digit run
           "/phones/001122aabbcc/x.cfg",      // in a directory
           "/001122aabbcc/common.cfg",        // in a directory, common-looking file
           "/xa001122aabbcc.cfg",             // no pattern, 13-digit run
           "/data001122aabbccff.cfg",         // no pattern, padded both sides
           "/001122aabbcc/0015654aa937.cfg",  // the attacker's own file beneath the victim's
           "/0015654aa937/001122aabbcc.cfg",
       }) {
    CAPTURE(path);
    CHECK(judged(path, kAttackerUa) == "mismatch");
  }
  // The same paths with the victim's own User-Agent (or none) are the victim's.
  const std::string victim_ua = "Yealink SIP-T46G 28.72.0.1 00:11:22:aa:bb:cc";
  for (const char* path : {"/001122aabbcc.cfg", "/spa001122aabbcc.cfg", "/001122aabbcc-web.cfg",
                           "/001122aabbcc-anything.txt", "/phones/001122aabbcc/x.cfg"}) {
    CAPTURE(path);
    CHECK(judged(path, victim_ua) == kVictim);
    CHECK(judged(path) == kVictim);  // the path alone names it
  }
  // A run longer than 12 alone names no device; with a User-Agent naming a
  // MAC inside it, that MAC.
  CHECK(judged("/xa001122aabbcc.cfg").empty());
  CHECK(judged("/xa001122aabbcc.cfg", victim_ua) == kVictim);
  // Two different MACs in the path: a mismatch even without a User-Agent.
  CHECK(judged("/001122aabbcc/0015654aa937.cfg") == "mismatch");
  // Paths that name no MAC leave the User-Agent's standing.
  CHECK(judged("/gs/settings.xml", kAttackerUa) == "0015654aa937");
  CHECK(judged("/000000000000-web.cfg", kAttackerUa) == "0015654aa937");
  CHECK(judged("/0000000000000000.cfg", kAttackerUa) == "0015654aa937");
  CHECK(judged("/index.html").empty());
  // The file name's pattern and the path's run name the same MAC: fine.
  const auto r =
      request_mac("/spa001122aabbcc.cfg", "spa001122aabbcc.cfg", "", default_mac_patterns());
  CHECK_FALSE(r.mismatch);
  REQUIRE(r.path_mac);
  CHECK(r.path_mac->str() == kVictim);
  // A configured '*' pattern whose capture disagrees with a run of the path.
  CHECK(request_mac("/0015654aa937/001122aabbcc.cfg", "001122aabbcc.cfg", "", {"*{mac}.cfg"})
            .mismatch);
}

TEST_CASE("vendor: a long path costs one pass") {
  // 1024 bytes of hex digits (the longest path the CGI reads): one long run.
  const std::string path = "/" + std::string(1023, 'a');
  const auto p = macs_in_path(path);
  CHECK(p.long_runs.size() == 1);
  CHECK_FALSE(p.admits(*try_parse_mac(kVictim)));
}
