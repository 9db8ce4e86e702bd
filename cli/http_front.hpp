// What the CGI and FastCGI fronts share (SPEC §7): one request read through
// its variables, one whole response written, whatever happens. Every failure
// becomes a status line and a one-line text body; the details go to the
// error log the front names.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "cli/context.hpp"

namespace provlock::cli {

// Where one request comes from and where its response goes: a CGI program's
// environment, standard input and standard output, or a FastCGI request's
// params and streams.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  // A request variable (an RFC 3875 meta-variable); nullptr when unset.
  virtual const char* param(const char* name) const = 0;
  // Reads at most `size` bytes of the request body into `buf`: how many it
  // read, 0 at the body's end or when it cannot be read. Throws
  // Error(Exit::data) when the request's time to arrive is up (FastCGI's
  // kFastCgiRequestSeconds).
  virtual std::size_t read_body(char* buf, std::size_t size) = 0;
  // Writes all of `data`. Throws Error(Exit::io) when the server stops
  // reading.
  virtual void write(std::string_view data) = 0;
};

// Answers the request of `io`: reads and throws away its body (at most 64
// KiB of CONTENT_LENGTH: no request provlock answers has a meaningful body,
// but a body left unread can make the server lose the response), reads the
// request, has the op judge it with the session that `session` gives, and
// writes the one response: the file, a 403/404/405 line, 400 for bad input,
// 503 for a store that cannot be reached now, 500 for anything else
// (`session` is called inside, so that a config it cannot load is a 500 like
// any other failure). Errors go to `log`. Never throws.
void answer_http_request(HttpExchange& io, const std::function<Context&()>& session,
                         const Reporter& log);

}  // namespace provlock::cli
