#include "cli/http_front.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "cli/cgi_files.hpp"
#include "cli/cgi_request.hpp"
#include "lib/vendor.hpp"
#include "ops/config_request.hpp"

namespace provlock::cli {
namespace {

constexpr std::uint64_t kMaxDrainedBody = 64 * 1024;

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

// The response, written once. Nothing is sent before the status is known;
// once headers are out no second response can follow.
class Reply {
 public:
  explicit Reply(HttpExchange& io) : io_(io) {}
  void set_head(bool head) { head_ = head; }
  bool started() const { return started_; }

  // A status with a one-line plain-text body.
  void line(int status, const std::string& text, const std::string& extra_headers = "") {
    const std::string body = text + "\n";
    headers(status, "text/plain; charset=utf-8", body.size(), extra_headers);
    if (!head_) io_.write(body);
  }

  void file(ServedFile& f, const std::string& type) {
    headers(200, type, f.size, "");
    if (!head_) send_body(f, [this](std::string_view data) { io_.write(data); });
  }

 private:
  void headers(int status, const std::string& type, std::uint64_t length,
               const std::string& extra) {
    started_ = true;
    // Provisioning files carry credentials: no cache may keep them.
    io_.write("Status: " + std::to_string(status) + " " + status_text(status) +
              "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(length) +
              "\r\nCache-Control: no-store\r\n" + extra + "\r\n");
  }

  HttpExchange& io_;
  bool head_ = false;
  bool started_ = false;
};

// The bodies get one line of ASCII whatever the client sent (and so does
// the error log, as main writes it): control bytes and bytes >= 0x80 are escaped ("\xff"), as
// messages that quote outside input already are (quoted()); escaping again changes nothing.
std::string ascii(std::string_view text) {
  return printable(text, true);
}

void drain_request_body(HttpExchange& io) {
  const char* length = io.param("CONTENT_LENGTH");
  if (!length || !*length || *length == '-') return;  // no body worth reading
  char* end = nullptr;
  std::uint64_t left = std::strtoull(length, &end, 10);
  if (*end != '\0') return;
  left = std::min<std::uint64_t>(left, kMaxDrainedBody);
  char buf[4096];
  while (left > 0) {
    const std::size_t n = io.read_body(buf, std::min<std::uint64_t>(left, sizeof buf));
    if (n == 0) return;
    left -= n;
  }
}

void serve_file(Context& ctx, const CgiRequest& req, Reply& reply) {
  auto file = open_beneath(ctx.config.cgi.root, req.dirs, req.file_name);
  if (!file) return reply.line(404, "not-found: no such file");
  reply.file(*file, content_type(req.file_name));
}

// Writes what an op answered: the file opened for it, or its line (a store
// failure's details go to the error log).
void send(Reply& reply, const ops::ConfigAnswer& answer, std::optional<ServedFile>& file,
          const std::string& file_name, const Reporter& log) {
  if (answer.store_error) log(*answer.store_error);
  if (answer.serve_file && file) return reply.file(*file, content_type(file_name));
  reply.line(answer.status, answer.line);
}

void serve(HttpExchange& io, Reply& reply, Context& ctx, const Reporter& log) {
  const CgiRequest req = read_cgi_request([&io](const char* name) { return io.param(name); },
                                          ctx.config.cgi.cert_fields);
  if (!req.certificate_note.empty()) log(Error(Exit::data, req.certificate_note));
  reply.set_head(req.method == "HEAD");
  ctx.who = store::Json{{"remote_addr", req.remote_addr.str()}};
  const Config::Cgi& cgi = ctx.config.cgi;

  const ops::ConfigRequest request{req.path,       req.file_name,   req.base,
                                   req.user_agent, req.remote_addr, req.identity};
  std::optional<ServedFile> file;
  if (req.path == cgi.unban_path) {
    if (req.method != "POST")
      return reply.line(405, "method-not-allowed: use POST here", "Allow: POST\r\n");
    return send(reply, ops::answer_self_unban(ctx, request), file, req.file_name, log);
  }
  if (req.method != "GET" && req.method != "HEAD")
    return reply.line(405, "method-not-allowed: " + ascii(req.method), "Allow: GET, HEAD\r\n");
  if (is_public_file(req.file_name, cgi.public_files)) return serve_file(ctx, req, reply);
  const ops::ConfigAnswer answer = ops::answer_config_request(ctx, request, [&] {
    file = open_beneath(cgi.root, req.dirs, req.file_name);
    return file.has_value();
  });
  send(reply, answer, file, req.file_name, log);
}

// Logs what ended a request and, unless headers are out already (a file
// cut short: the response cannot change), answers it: 400 for bad input,
// 503 for a store that cannot be reached now, 500 for anything else.
void answer_failure(Reply& reply, const Error& error, const Reporter& log) {
  log(error);
  if (reply.started()) return;
  try {
    switch (error.code()) {
      case Exit::data:
        return reply.line(400, "bad-request: " + ascii(error.what()));
      case Exit::io:
      case Exit::cant_create:
      case Exit::temp_fail:
        return reply.line(503, ops::kStoreErrorLine);
      default:
        return reply.line(500, "internal-error: see the web server's error log");
    }
  } catch (const std::exception&) {
    // The server stopped reading; nobody is left to answer.
  }
}

}  // namespace

void answer_http_request(HttpExchange& io, const std::function<Context&()>& session,
                         const Reporter& log) {
  Reply reply(io);
  try {
    // The session first: on an etcd store a `provlock` execs provlock-etcd
    // in it (cli/store_backend.hpp), which must find the request's body
    // still unread.
    Context& ctx = session();
    drain_request_body(io);
    serve(io, reply, ctx, log);
  } catch (const Error& e) {
    answer_failure(reply, e, log);
  } catch (const std::exception& e) {
    answer_failure(reply, Error(Exit::internal, std::string("internal error: ") + e.what()), log);
  }
}

}  // namespace provlock::cli
