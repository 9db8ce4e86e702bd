// provlock cgi: the CGI/1.1 front (SPEC §7). One request in, one whole
// response out, whatever happens: every failure becomes a status line and a
// one-line text body, and the details go to stderr (the server's error log).
#include <exception>
#include <string>
#include <string_view>

#include "cli/cgi_files.hpp"
#include "cli/cgi_request.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/vendor.hpp"
#include "ops/config_request.hpp"

namespace provlock::cli {
namespace {

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
  void set_head(bool head) { head_ = head; }
  bool started() const { return started_; }

  // A status with a one-line plain-text body.
  void line(int status, const std::string& text, const std::string& extra_headers = "") {
    const std::string body = text + "\n";
    headers(status, "text/plain; charset=utf-8", body.size(), extra_headers);
    if (!head_) write_out(body);
  }

  void file(ServedFile& f, const std::string& type) {
    headers(200, type, f.size, "");
    if (!head_) send_body(f);
  }

 private:
  void headers(int status, const std::string& type, std::uint64_t length,
               const std::string& extra) {
    started_ = true;
    // Provisioning files carry credentials: no cache may keep them.
    write_out("Status: " + std::to_string(status) + " " + status_text(status) +
              "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(length) +
              "\r\nCache-Control: no-store\r\n" + extra + "\r\n");
  }

  bool head_ = false;
  bool started_ = false;
};

// The bodies get one line of ASCII whatever the client sent (and so does
// the error log, as main writes it): control bytes and bytes >= 0x80 are escaped ("\xff"), as
// messages that quote outside input already are (quoted()); escaping again changes nothing.
std::string ascii(std::string_view text) {
  return printable(text, true);
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

void serve(Reply& reply, const Globals& globals, const Reporter& log) {
  Context ctx = make_context(globals, log);
  const CgiRequest req = read_cgi_request(ctx.config.cgi.cert_fields);
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

int run_cgi(const Globals& globals, const Reporter& log) {
  Reply reply;
  try {
    drain_request_body();
    serve(reply, globals, log);
  } catch (const Error& e) {
    answer_failure(reply, e, log);
  } catch (const std::exception& e) {
    answer_failure(reply, Error(Exit::internal, std::string("internal error: ") + e.what()), log);
  }
  return 0;
}

}  // namespace provlock::cli
