#include "cli/fcgi_server.hpp"

#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <tuple>

#include "cli/http_front.hpp"

namespace provlock::cli {
namespace {

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_reload = 0;

void on_signal(int sig) {
  if (sig == SIGHUP)
    g_reload = 1;
  else
    g_stop = 1;
}

// The signals that end the loop or reload the config: blocked while a
// request is read and answered, so that none cuts one short, and let in
// only while the loop waits for the next connection.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) sigaddset(&set, sig);
  return set;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a wait for a connection must end
  // SIGUSR1 too: libfcgi would otherwise install its own handler, after
  // which every read of every later request fails.
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) sigaction(sig, &sa, nullptr);
  // A web server that hangs up is a write error, not the end of the process.
  signal(SIGPIPE, SIG_IGN);
  const sigset_t set = handled_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

class FcgiExchange : public HttpExchange {
 public:
  explicit FcgiExchange(FCGX_Request& r) : r_(r) {}
  const char* param(const char* name) const override { return FCGX_GetParam(name, r_.envp); }

  std::size_t read_body(char* buf, std::size_t size) override {
    const int n = FCGX_GetStr(buf, static_cast<int>(std::min<std::size_t>(size, INT_MAX)), r_.in);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  void write(std::string_view data) override {
    while (!data.empty()) {
      const int n = static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20));
      if (FCGX_PutStr(data.data(), n, r_.out) != n)
        throw Error(Exit::io, "cannot write the response: the web server stopped reading");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

 private:
  FCGX_Request& r_;
};

// What identifies one version of the config file; all zero when it is
// missing or cannot be stat()ed.
using FileVersion = std::tuple<dev_t, ino_t, off_t, long long, long>;

FileVersion version_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, st.st_size, static_cast<long long>(st.st_mtim.tv_sec),
          st.st_mtim.tv_nsec};
}

// The session of every request, and the config file it was made from.
class Sessions {
 public:
  Sessions(Context ctx, Reporter log)
      : ctx_(std::move(ctx)),
        log_(std::move(log)),
        path_(config_path(ctx_.globals)),
        version_(version_of(path_)),
        tried_(version_) {}

  // The session for the next request: its config re-read first if the file
  // changed (or `force`), and its clock read. A config that does not load is
  // reported once (to `request_log` and the process's log) and the session
  // before it goes on.
  Context& next(bool force, const Reporter& request_log) {
    const FileVersion now = version_of(path_);
    if (force || now != tried_) {
      tried_ = now;
      try {
        Context fresh = make_context(ctx_.globals, log_);
        ctx_ = std::move(fresh);
        version_ = now;
      } catch (const Error& e) {
        const Error kept(e.code(), std::string(e.what()) +
                                       " (the config is not reloaded: the last good one stays "
                                       "in force)");
        log_(kept);
        request_log(kept);
      }
    }
    if (!ctx_.now_fixed) ctx_.now = clock_now();
    return ctx_;
  }

 private:
  Context ctx_;
  const Reporter log_;
  const std::string path_;
  FileVersion version_;
  FileVersion tried_;
};

// Waits for a connection on `listen_fd` with the handled signals let in,
// and accepts it. -1 when a signal or a connection that went away ended the
// wait; throws when the listening socket fails.
int accept_connection(int listen_fd) {
  sigset_t open;
  sigprocmask(SIG_SETMASK, nullptr, &open);
  const sigset_t handled = handled_signals();
  for (int sig = 1; sig < NSIG; ++sig)
    if (sigismember(&handled, sig) == 1) sigdelset(&open, sig);
  pollfd pfd{listen_fd, POLLIN, 0};
  if (::ppoll(&pfd, 1, nullptr, &open) < 0) {
    if (errno == EINTR) return -1;
    throw Error(Exit::io, std::string("cannot wait for connections: ") + std::strerror(errno));
  }
  // Another process on the same socket may take the connection first: the
  // accept then blocks, and a signal must still end it.
  sigset_t blocked;
  sigprocmask(SIG_SETMASK, &open, &blocked);
  const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  const int err = errno;
  sigprocmask(SIG_SETMASK, &blocked, nullptr);
  if (fd >= 0) {
    const timeval limit{kFastCgiIoTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    return fd;
  }
  switch (err) {
    case EINTR:
    case EAGAIN:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
      return -1;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      ::usleep(100 * 1000);  // out of descriptors or memory for now: try again soon
      return -1;
    default:
      throw Error(Exit::io, std::string("cannot accept a connection: ") + std::strerror(err));
  }
}

}  // namespace

int serve_fastcgi(Context ctx, int listen_fd, const Reporter& log) {
  install_signal_handlers();
  if (FCGX_Init() != 0) throw Error(Exit::internal, "cannot initialise libfcgi");
  Sessions sessions(std::move(ctx), log);
  FCGX_Request req;
  // No listening socket of its own: the loop accepts (see accept_connection),
  // so libfcgi, which retries a failed request by accepting again, fails at
  // once instead of blocking with the signals shut out.
  FCGX_InitRequest(&req, -1, 0);
  while (!g_stop) {
    if (g_reload) {
      g_reload = 0;
      sessions.next(true, [](const Error&) {});
    }
    const int fd = accept_connection(listen_fd);
    if (fd < 0) continue;
    // FCGX_Accept_r reads the request from an open connection (ipcFd) and
    // accepts only when there is none; it first finishes the request before,
    // which closes ipcFd unless keepConnection is set.
    req.ipcFd = fd;
    req.keepConnection = 1;
    // A malformed or cut-short request: libfcgi has closed the connection.
    if (FCGX_Accept_r(&req) != 0) continue;
    req.keepConnection = 0;  // closed after this request (see fcgi_server.hpp)
    const Reporter request_log = [&req](const Error& error) {
      const std::string line = "provlock: " + printable(error.what(), true) + "\n";
      FCGX_PutStr(line.data(), static_cast<int>(line.size()), req.err);
    };
    FcgiExchange io(req);
    const char* role = io.param("FCGI_ROLE");
    if (role && std::strcmp(role, "RESPONDER") == 0) {
      answer_http_request(
          io, [&]() -> Context& { return sessions.next(false, request_log); }, request_log);
    } else {
      request_log(Error(Exit::usage, "FastCGI role " + quoted(role ? role : "", true) +
                                         " is not served: provlock is a responder"));
      FCGX_FPrintF(req.out, "Status: 500 Internal Server Error\r\n\r\n");
    }
    FCGX_Finish_r(&req);
  }
  FCGX_Free(&req, 1);
  return 0;
}

}  // namespace provlock::cli
