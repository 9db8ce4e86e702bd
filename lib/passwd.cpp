#include "lib/passwd.hpp"

namespace provlock {

std::optional<std::string> user_name_of(std::string_view passwd, unsigned long uid) {
  const std::string wanted = std::to_string(uid);
  while (!passwd.empty()) {
    std::size_t end = passwd.find('\n');
    std::string_view line = passwd.substr(0, end);
    passwd.remove_prefix(end == std::string_view::npos ? passwd.size() : end + 1);
    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos || c1 == 0 || line[0] == '#' || line[0] == '+' ||
        line[0] == '-')
      continue;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::size_t c3 = line.find(':', c2 + 1);
    if (c3 == std::string_view::npos) continue;
    if (line.substr(c2 + 1, c3 - c2 - 1) == wanted) return std::string(line.substr(0, c1));
  }
  return std::nullopt;
}

}  // namespace provlock
