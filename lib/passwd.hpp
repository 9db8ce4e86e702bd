// The user name of a uid, from the text of /etc/passwd. provlock reads the
// file itself instead of calling getpwuid(3): glibc's name service switch
// cannot work in the static executable provlock is (cli/CMakeLists.txt).
// Users known only to a directory service (LDAP, sssd) therefore show as
// their uid; the journal records the uid in every case.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace provlock {

// The name on the first line of `passwd` (name:password:uid:...) whose uid
// field is exactly `uid`, or nullopt. Lines that are not of that form
// (comments, NIS "+" entries, blank lines) are skipped.
std::optional<std::string> user_name_of(std::string_view passwd, unsigned long uid);

}  // namespace provlock
