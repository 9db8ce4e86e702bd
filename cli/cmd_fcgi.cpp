// provlock fcgi [--socket PATH|HOST:PORT]: the FastCGI front (SPEC §7), for
// nginx, Apache's mod_fcgid and mod_proxy_fcgi. The same answers as
// `provlock cgi` (cli/http_front.hpp), many requests per process
// (cli/fcgi_server.hpp).
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/fcgi_server.hpp"
#include "cli/listen_socket.hpp"

namespace provlock::cli {
namespace {

struct FcgiOptions {
  std::string socket;
};

}  // namespace

int run_fcgi(Context& ctx, const std::string& socket, const Reporter& log) {
  int listen_fd = 0;
  if (!socket.empty())
    listen_fd = open_listen_socket(socket);
  else if (!stdin_is_listening())
    throw Error(Exit::usage,
                "provlock fcgi: standard input is not a listening socket: start it from a "
                "FastCGI server (spawn-fcgi, a systemd socket unit, mod_fcgid) or give "
                "--socket PATH|HOST:PORT");
  return serve_fastcgi(std::move(ctx), listen_fd, log);
}

Runner setup_fcgi(CLI::App& sub) {
  auto opt = std::make_shared<FcgiOptions>();
  sub.add_option("--socket", opt->socket,
                 "Listen here instead of on the socket given as standard input")
      ->type_name("PATH|HOST:PORT");
  return [opt](Context& ctx) {
    const Reporter log = ctx.report;  // ctx moves into the server
    return run_fcgi(ctx, opt->socket, log);
  };
}

}  // namespace provlock::cli
