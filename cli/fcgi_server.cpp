#include "cli/fcgi_server.hpp"

#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

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

// The connection that SIGALRM cuts off, -1 while none is being read: a
// descriptor of its own (RequestDeadline), so that libfcgi may close the
// request's first.
volatile sig_atomic_t g_cut_off = -1;

// At a request's deadline: shuts the reading side of its connection down.
// A read() blocked on it returns (in whichever thread takes the signal), and
// every later one finds the end of the stream at once instead of waiting
// for the next byte: libfcgi's reads of the request, and the wait of its
// close for the web server to hang up. Answers can still be written.
void on_deadline(int) {
  const int saved = errno;
  if (g_cut_off >= 0) ::shutdown(g_cut_off, SHUT_RD);
  errno = saved;
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
  sa.sa_handler = on_deadline;  // no SA_RESTART either: a blocked read must end
  sigaction(SIGALRM, &sa, nullptr);
  sigset_t alarm;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  sigprocmask(SIG_UNBLOCK, &alarm, nullptr);
  // A web server that hangs up is a write error, not the end of the process.
  signal(SIGPIPE, SIG_IGN);
  const sigset_t set = handled_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

using SteadyClock = std::chrono::steady_clock;

// The time one request has to arrive (kFastCgiRequestSeconds from when its
// reading starts), and a descriptor of its connection for on_deadline, open
// until the request is done.
class RequestDeadline {
 public:
  explicit RequestDeadline(int fd)
      : at_(SteadyClock::now() + std::chrono::seconds(kFastCgiRequestSeconds)),
        fd_(::fcntl(fd, F_DUPFD_CLOEXEC, 0)) {
    // Out of descriptors: a connection that cannot be cut off is not read.
    if (fd_ < 0) ::shutdown(fd, SHUT_RD);
  }
  RequestDeadline(const RequestDeadline&) = delete;
  RequestDeadline& operator=(const RequestDeadline&) = delete;
  ~RequestDeadline() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool passed() const { return SteadyClock::now() >= at_; }

 private:
  friend class Reading;
  const SteadyClock::time_point at_;
  const int fd_;
};

// While alive (around each libfcgi call that reads the connection), the
// connection is cut off (on_deadline) when its request's deadline passes;
// at once if it has.
class Reading {
 public:
  explicit Reading(const RequestDeadline& deadline) {
    if (deadline.fd_ < 0) return;
    g_cut_off = deadline.fd_;
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline.at_ - SteadyClock::now())
            .count();
    if (left <= 0) {
      on_deadline(SIGALRM);
      return;
    }
    itimerval timer{};
    timer.it_value.tv_sec = static_cast<time_t>(left / 1000000);
    timer.it_value.tv_usec = static_cast<suseconds_t>(left % 1000000);
    ::setitimer(ITIMER_REAL, &timer, nullptr);
  }
  Reading(const Reading&) = delete;
  Reading& operator=(const Reading&) = delete;
  ~Reading() {
    const itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    g_cut_off = -1;
  }
};

class FcgiExchange : public HttpExchange {
 public:
  FcgiExchange(FCGX_Request& r, const RequestDeadline& deadline) : r_(r), deadline_(deadline) {}
  const char* param(const char* name) const override { return FCGX_GetParam(name, r_.envp); }

  std::size_t read_body(char* buf, std::size_t size) override {
    int n;
    {
      const Reading reading(deadline_);
      n = FCGX_GetStr(buf, static_cast<int>(std::min<std::size_t>(size, INT_MAX)), r_.in);
    }
    if (n <= 0 && FCGX_GetError(r_.in) != 0 && deadline_.passed())
      throw Error(Exit::data, "the request did not arrive in full within " +
                                  std::to_string(kFastCgiRequestSeconds) + " seconds");
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
  const RequestDeadline& deadline_;
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

// The web server's open connections to this process, each with the libfcgi
// request that reads from it. A web server that keeps connections open
// (nginx's fastcgi_keep_conn, FCGI_KEEP_CONN) sends its next request on one
// of them; one that does not gets each closed after its request.
class Connections {
 public:
  Connections() = default;
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;
  ~Connections() {
    for (auto& r : open_) close_now(*r);  // spares hold nothing: freed when closed
  }

  std::size_t size() const { return open_.size(); }
  FCGX_Request& at(std::size_t i) { return *open_[i]; }

  // A request reading from the newly accepted `fd`; at kMaxKept open
  // connections, the one idle longest is closed first (its web server opens
  // another when it needs one).
  std::size_t add(int fd) {
    if (open_.size() >= kMaxKept) close(0);
    std::unique_ptr<FCGX_Request> r;
    if (spare_.empty()) {
      r = std::make_unique<FCGX_Request>();
      // No listening socket of its own: libfcgi, which retries a failed
      // request by accepting again, then fails at once instead.
      FCGX_InitRequest(r.get(), -1, 0);
    } else {
      r = std::move(spare_.back());
      spare_.pop_back();
    }
    r->ipcFd = fd;
    // FCGX_Accept_r first ends the request before, which closes ipcFd
    // unless keepConnection is set; the web server's FCGI_KEEP_CONN then
    // sets it for this connection.
    r->keepConnection = 1;
    open_.push_back(std::move(r));
    return open_.size() - 1;
  }

  // After a request on connection `i`: forgets it when libfcgi closed it,
  // else moves it to the end (the most recently used).
  void settle(std::size_t i) {
    std::unique_ptr<FCGX_Request> r = std::move(open_[i]);
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
    (r->ipcFd < 0 ? spare_ : open_).push_back(std::move(r));
  }

 private:
  // A web server keeps a few per worker (nginx: the upstream's keepalive).
  static constexpr std::size_t kMaxKept = 64;

  void close(std::size_t i) {
    close_now(*open_[i]);
    settle(i);
  }

  // Closes an idle connection at once. libfcgi's own close (FCGX_Free with
  // close set) shuts the socket down and waits up to 2 s for the peer to
  // hang up, during which this process would serve nothing; an idle
  // connection has nothing left to say.
  static void close_now(FCGX_Request& r) {
    FCGX_Free(&r, 0);
    if (r.ipcFd >= 0) ::close(r.ipcFd);
    r.ipcFd = -1;
  }

  std::vector<std::unique_ptr<FCGX_Request>> open_;  // least recently used first
  std::vector<std::unique_ptr<FCGX_Request>> spare_;
};

// Waits, with the signal mask `open` (the handled signals let in), until
// the listening socket or an open connection is readable; `ready` gets
// which (index 0 the listening socket, i + 1 connection i). False when a
// signal ended the wait; throws when waiting itself fails.
bool wait_for_work(int listen_fd, Connections& conns, std::vector<pollfd>& ready,
                   const sigset_t& open) {
  ready.assign(1, pollfd{listen_fd, POLLIN, 0});
  for (std::size_t i = 0; i < conns.size(); ++i) ready.push_back({conns.at(i).ipcFd, POLLIN, 0});
  if (::ppoll(ready.data(), ready.size(), nullptr, &open) < 0) {
    if (errno == EINTR) return false;
    throw Error(Exit::io, std::string("cannot wait for connections: ") + std::strerror(errno));
  }
  return true;
}

// Accepts a connection on the (non-blocking) listening socket: -1 when
// there was none after all (another process took it) or it went away.
int accept_connection(int listen_fd) {
  const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) {
    const timeval limit{kFastCgiIoTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    return fd;
  }
  switch (errno) {
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
      throw Error(Exit::io, std::string("cannot accept a connection: ") + std::strerror(errno));
  }
}

// The most input left unread after an answer that is read so that the
// connection can be kept (a self-unban's body is a few bytes).
constexpr std::size_t kMaxDrainedInput = 64 * 1024;

// Reads and answers one request from connection `req` (its fd open). A
// malformed or cut-short request, or one that has not arrived by its
// deadline: libfcgi closes the connection.
void serve_one(FCGX_Request& req, Sessions& sessions) {
  const RequestDeadline deadline(req.ipcFd);
  {
    const Reading reading(deadline);
    if (FCGX_Accept_r(&req) != 0) return;
    // libfcgi takes params that end where a pair ends, because the web
    // server hung up or the deadline cut it off there, for all of them: a
    // request without its last params is not answered.
    if (FCGX_GetError(req.in) != 0) {
      FCGX_Free(&req, 1);
      return;
    }
  }
  const Reporter request_log = [&req](const Error& error) {
    const std::string line = "provlock: " + printable(error.what(), true) + "\n";
    FCGX_PutStr(line.data(), static_cast<int>(line.size()), req.err);
  };
  FcgiExchange io(req, deadline);
  const char* role = io.param("FCGI_ROLE");
  if (role && std::strcmp(role, "RESPONDER") == 0) {
    answer_http_request(
        io, [&]() -> Context& { return sessions.next(false, request_log); }, request_log);
  } else {
    request_log(Error(Exit::usage, "FastCGI role " + quoted(role ? role : "", true) +
                                       " is not served: provlock is a responder"));
    FCGX_FPrintF(req.out, "Status: 500 Internal Server Error\r\n\r\n");
  }
  // A kept connection's next request starts after this one's input: read
  // what is left of it, up to the end of its stream (the empty record the
  // web server may send after the rest), or libfcgi takes that record for
  // the start of a malformed next request and drops the connection. Input
  // that does not end within kMaxDrainedInput bytes, or an error, ends the
  // connection instead.
  if (req.keepConnection) {
    const Reading reading(deadline);
    char buf[4096];
    std::size_t drained = 0;
    int n;
    while ((n = FCGX_GetStr(buf, sizeof buf, req.in)) > 0 && drained <= kMaxDrainedInput)
      drained += static_cast<std::size_t>(n);
    if (n > 0 || FCGX_GetError(req.in) != 0) req.keepConnection = 0;
  }
  // The answer goes out whatever the deadline (a write that stalls has
  // kFastCgiIoTimeoutSeconds); then the request ends, and the connection is
  // closed unless the web server asked to keep it (FCGI_KEEP_CONN) and it
  // is still sound. libfcgi's close waits for the web server to hang up,
  // for as long as it keeps sending: until the deadline.
  FCGX_FClose(req.err);
  FCGX_FClose(req.out);
  const Reading closing(deadline);
  FCGX_Finish_r(&req);
}

}  // namespace

int serve_fastcgi(Context ctx, int listen_fd, const Reporter& log) {
  install_signal_handlers();
  if (FCGX_Init() != 0) throw Error(Exit::internal, "cannot initialise libfcgi");
  // Several processes may wait on the same socket; the one that loses the
  // race for a connection must not block in accept while a connection it
  // keeps has a request waiting.
  const int flags = ::fcntl(listen_fd, F_GETFL);
  if (flags < 0 || ::fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) != 0)
    throw Error(Exit::io, std::string("cannot use the listening socket: ") + std::strerror(errno));
  // The signal mask while waiting: the process's own, the handled ones let in.
  sigset_t open;
  sigprocmask(SIG_SETMASK, nullptr, &open);
  const sigset_t handled = handled_signals();
  for (int sig = 1; sig < NSIG; ++sig)
    if (sigismember(&handled, sig) == 1) sigdelset(&open, sig);
  Sessions sessions(std::move(ctx), log);
  Connections conns;
  std::vector<pollfd> ready;
  while (!g_stop) {
    if (g_reload) {
      g_reload = 0;
      sessions.next(true, [](const Error&) {});
    }
    if (!wait_for_work(listen_fd, conns, ready, open)) continue;
    // Every connection that was readable gets one request answered, the
    // oldest first; then a new connection, if one waits. Indices shift as
    // connections are settled, so they are found again by descriptor.
    // g_stop is looked at again between them: in provlock the handled
    // signals come in only during the wait, but provlock-etcd has threads
    // (gRPC's, started when the store was opened, before they were blocked)
    // that may take one while a request is answered.
    for (std::size_t k = 1; k < ready.size() && !g_stop; ++k) {
      if (ready[k].revents == 0) continue;
      for (std::size_t i = 0; i < conns.size(); ++i) {
        if (conns.at(i).ipcFd != ready[k].fd) continue;
        serve_one(conns.at(i), sessions);
        conns.settle(i);
        break;
      }
    }
    if (ready[0].revents != 0 && !g_stop) {
      const int fd = accept_connection(listen_fd);
      if (fd < 0) continue;
      const std::size_t i = conns.add(fd);
      serve_one(conns.at(i), sessions);
      conns.settle(i);
    }
  }
  return 0;
}

}  // namespace provlock::cli
