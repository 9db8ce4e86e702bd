#include "cli/command_line.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "lib/hex.hpp"

namespace provlock::cli {
namespace {

// The words a CGI server adds to the command line from the query string:
// RFC 3875 §4.4 lets it pass a query without an unencoded '=' as arguments,
// split at '+', each percent-decoded. None outside a CGI request.
std::vector<std::string> query_words() {
  const char* gateway = std::getenv("GATEWAY_INTERFACE");
  const char* query = std::getenv("QUERY_STRING");
  if (!gateway || !query || !*query || std::strchr(query, '=')) return {};
  std::vector<std::string> words(1);
  for (const char* p = query; *p; ++p) {
    if (*p == '+') {
      words.emplace_back();
    } else if (*p == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
      words.back() += static_cast<char>(hex_value(p[1]) * 16 + hex_value(p[2]));
      p += 2;
    } else {
      words.back() += *p;
    }
  }
  return words;
}

}  // namespace

std::vector<char*> operator_arguments(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  const std::vector<std::string> words = query_words();
  if (!words.empty() && words.size() < args.size() &&
      std::equal(words.begin(), words.end(), args.end() - static_cast<long>(words.size())))
    args.resize(args.size() - words.size());
  return args;
}

std::optional<Globals> cgi_command_line(const std::vector<char*>& args) {
  std::string_view self = args.empty() ? "" : args[0];
  if (auto slash = self.rfind('/'); slash != std::string_view::npos) self.remove_prefix(slash + 1);
  if (self == "provlock.cgi") return Globals{};
  Globals g;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "cgi") return g;
    bool matched = false;
    for (auto [name, into] : {std::pair{"--store", &g.store}, std::pair{"--config", &g.config},
                              std::pair{"--now", &g.now}}) {
      const std::string_view n = name;
      if (arg == n && i + 1 < args.size()) {
        *into = args[++i];
        matched = true;
      } else if (arg.starts_with(n) && arg.size() > n.size() && arg[n.size()] == '=') {
        *into = arg.substr(n.size() + 1);
        matched = true;
      }
      if (matched) break;
    }
    if (!matched) return std::nullopt;
  }
  return std::nullopt;
}

std::string_view command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--store" || arg == "--config" || arg == "--now") {
      ++i;
      continue;
    }
    if (!arg.starts_with("-")) return arg;
  }
  return {};
}

}  // namespace provlock::cli
