#include "lib/passwd.hpp"

#include <doctest/doctest.h>

using provlock::user_name_of;

TEST_CASE("passwd: the name of a uid is the first line with exactly that uid") {
  const char* passwd =
      "# comment:x:0:0::/:/bin/sh\n"
      "root:x:0:0:root:/root:/bin/bash\n"
      "+nisuser::33:33:::\n"
      "\n"
      "broken-line-without-fields\n"
      "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
      "shadow33:x:33:33::/:/bin/false\n"
      "user330:x:330:330::/home/u:/bin/sh\n"
      "last:x:1000:1000::/home/last:/bin/sh";  // no final newline
  CHECK(user_name_of(passwd, 0) == "root");
  CHECK(user_name_of(passwd, 33) == "www-data");
  CHECK(user_name_of(passwd, 330) == "user330");
  CHECK(user_name_of(passwd, 3) == std::nullopt);
  CHECK(user_name_of(passwd, 1000) == "last");
  CHECK(user_name_of("", 0) == std::nullopt);
  CHECK(user_name_of("root:x:0", 0) == std::nullopt);
  CHECK(user_name_of(":x:0:0::/:/bin/sh\n", 0) == std::nullopt);
}
