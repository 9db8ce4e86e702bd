// SPEC §7: the MAC a verified client certificate's subject field names, found
// conservatively (lib/identity mac_in_certificate_field).
#include "lib/identity.hpp"

#include <doctest/doctest.h>

using namespace provlock;

namespace {

std::optional<Mac> cert_mac(std::string_view field) {
  CAPTURE(field);
  const CertificateMac named = mac_in_certificate_field(field);
  if (named.conflict) CHECK_FALSE(named.mac);
  return named.mac;
}

bool cert_conflict(std::string_view field) {
  return mac_in_certificate_field(field).conflict;
}

const Mac kA = parse_mac("001122aabbcc");

}  // namespace

TEST_CASE("certificate field: the whole value as a MAC in any accepted form") {
  for (const char* field :
       {"001122aabbcc", "001122AABBCC", "00:11:22:aa:bb:cc", "00-11-22-AA-BB-CC", "0011.22aa.bbcc"})
    CHECK(cert_mac(field) == kA);
}

TEST_CASE("certificate field: one MAC inside a longer CN, bounded by non-hex characters") {
  CHECK(cert_mac("SEP001122AABBCC") == kA);                            // Cisco
  CHECK(cert_mac("CP-7962G-SEP001122AABBCC") == kA);                   // Cisco MIC
  CHECK(cert_mac("Yealink 001122aabbcc") == kA);                       // vendor and bare MAC
  CHECK(cert_mac("Polycom 00:11:22:aa:bb:cc") == kA);                  // colon form
  CHECK(cert_mac("phone_00-11-22-aa-bb-cc_cert") == kA);               // dash form
  CHECK(cert_mac("device-001122aabbcc.example.net") == kA);            // a name with the MAC
  CHECK(cert_mac("001122aabbcc 00:11:22:AA:BB:CC") == kA);             // the same MAC twice
  CHECK(cert_mac("serial 0123456789abcdef0 mac 001122aabbcc") == kA);  // a long run is none
  CHECK_FALSE(cert_conflict("SEP001122AABBCC"));
}

TEST_CASE("certificate field: no MAC, or not one bounded as a MAC") {
  CHECK_FALSE(cert_mac(""));
  CHECK_FALSE(cert_mac("phone"));
  CHECK_FALSE(cert_mac("www.example.net"));
  CHECK_FALSE(cert_mac("SEP001122AABBC"));
  CHECK_FALSE(cert_mac("SPAA01122AABBCC"));
  CHECK_FALSE(cert_mac("x001122aabbccd"));
  CHECK_FALSE(cert_mac("00:11:22:aa:bb:cc:dd"));
  CHECK_FALSE(cert_mac("dd:00:11:22:aa:bb:cc"));
  CHECK_FALSE(cert_mac("ee-00-11-22-aa-bb-cc"));
  CHECK_FALSE(cert_mac("00:11:22:aa:bb"));
  CHECK_FALSE(cert_mac("00:11-22:aa:bb:cc"));
  CHECK_FALSE(cert_mac("00112233445566778899"));
}

TEST_CASE("certificate field: all-zero, all-ones and group MACs name nothing") {
  CHECK_FALSE(cert_mac("000000000000"));
  CHECK_FALSE(cert_mac("ffffffffffff"));
  CHECK_FALSE(cert_mac("01:00:5e:00:00:01"));  // multicast
  CHECK_FALSE(cert_mac("SEP010203040506"));
  // A MAC-shaped run that is no MAC does not hide a real one beside it.
  CHECK(cert_mac("SEP000000000000 SEP001122AABBCC") == kA);
}

TEST_CASE("certificate field: two different MACs name none, and say so") {
  CHECK(cert_conflict("SEP001122AABBCC SEP001122AABBCD"));
  CHECK(cert_conflict("00:11:22:aa:bb:cc/0015654aa937"));
  CHECK_FALSE(cert_mac("001122aabbcc,0015654aa937"));
  CHECK_FALSE(cert_conflict("phone"));
}

TEST_CASE("usable_user_name: UTF-8 of at most kMaxUserName bytes, the one rule of every front") {
  CHECK(usable_user_name(""));
  CHECK(usable_user_name("desk-3"));
  CHECK(usable_user_name("Z\xc3\xbcrich"));
  CHECK(usable_user_name(std::string(kMaxUserName, 'x')));
  CHECK_FALSE(usable_user_name(std::string(kMaxUserName + 1, 'x')));
  CHECK_FALSE(
      usable_user_name("a\xff"
                       "b"));
  CHECK_FALSE(usable_user_name("\xed\xa0\x80"));  // a UTF-16 surrogate
}
