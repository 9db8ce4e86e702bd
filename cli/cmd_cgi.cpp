// provlock cgi: the CGI/1.1 front (SPEC §7). One request in, one whole
// response out, whatever happens (cli/http_front.hpp): the request from the
// environment and standard input, the response to standard output, the
// details of what went wrong to stderr (the server's error log).
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/http_front.hpp"

namespace provlock::cli {
namespace {

class CgiExchange : public HttpExchange {
 public:
  const char* param(const char* name) const override { return std::getenv(name); }

  std::size_t read_body(char* buf, std::size_t size) override {
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buf, size);
      if (n < 0 && errno == EINTR) continue;
      return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
  }

  // Resumes after partial writes.
  void write(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : EIO;
        throw Error(Exit::io, std::string("cannot write the response: ") + std::strerror(err));
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
};

}  // namespace

int run_cgi(const Globals& globals, const Reporter& log) {
  CgiExchange io;
  std::optional<Context> ctx;
  answer_http_request(
      io, [&]() -> Context& { return ctx.emplace(make_context(globals, log)); }, log);
  return 0;
}

}  // namespace provlock::cli
