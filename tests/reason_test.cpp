// SPEC §4 and §7: every reason has one stable token, and no two share one.
#include "lib/reason.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace provlock;

TEST_CASE("reason: the tokens of the contract, one each") {
  const std::pair<Reason, const char*> rows[] = {
      {Reason::window, "window"},
      {Reason::unlocked, "unlocked"},
      {Reason::unlock_all, "unlock-all"},
      {Reason::authenticated, "authenticated"},
      {Reason::first_provision, "first-provision"},
      {Reason::same_ip, "same-ip"},
      {Reason::banned, "banned"},
      {Reason::unknown_device, "unknown-device"},
      {Reason::auth_mismatch, "auth-mismatch"},
      {Reason::blocked, "blocked"},
      {Reason::stale_registration, "stale-registration"},
      {Reason::locked, "locked"},
      {Reason::store_error, "store-error"},
      {Reason::no_mac, "no-mac"},
      {Reason::mac_mismatch, "mac-mismatch"},
  };
  std::set<std::string> seen;
  for (const auto& [reason, text] : rows) {
    CHECK(std::string(token(reason)) == text);
    CHECK(reason == text);
    CHECK(seen.insert(text).second);
  }
  CHECK_FALSE(Reason::locked == "same-ip");
}
