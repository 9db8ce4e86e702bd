#include "cli/listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "lib/error.hpp"

namespace provlock::cli {
namespace {

constexpr int kBacklog = 1024;

std::optional<int> port_of(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

int listen_on(int fd, const sockaddr* addr, socklen_t len, const std::string& spec) {
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, addr, len) != 0 || ::listen(fd, kBacklog) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(Exit::cant_create,
                "cannot listen on --socket " + quoted(spec) + ": " + std::strerror(err));
  }
  return fd;
}

int open_tcp(const std::string& spec, std::string host, int port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(static_cast<std::uint16_t>(port));
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(static_cast<std::uint16_t>(port));
  if (host.empty()) {
    // No host: loopback only. Whoever can connect can pass any REMOTE_ADDR,
    // REMOTE_USER or certificate variable; every address must be asked for.
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) != 1) {
    if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) != 1)
      throw Error(Exit::usage,
                  "--socket " + quoted(spec) + ": the host must be a numeric IPv4 or IPv6 address");
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(Exit::cant_create, std::string("socket: ") + std::strerror(errno));
    return listen_on(fd, reinterpret_cast<sockaddr*>(&v6), sizeof v6, spec);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(Exit::cant_create, std::string("socket: ") + std::strerror(errno));
  return listen_on(fd, reinterpret_cast<sockaddr*>(&v4), sizeof v4, spec);
}

}  // namespace

bool stdin_is_listening() {
  int listening = 0;
  socklen_t len = sizeof listening;
  return ::getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
         listening != 0;
}

int open_listen_socket(const std::string& spec) {
  if (spec.empty()) throw Error(Exit::usage, "--socket needs a PATH or HOST:PORT");
  if (spec.find('/') == std::string::npos) {
    const std::size_t colon = spec.rfind(':');
    const auto port = colon == std::string::npos ? std::nullopt : port_of(spec.substr(colon + 1));
    if (!port)
      throw Error(Exit::usage, "--socket " + quoted(spec) +
                                   " is neither HOST:PORT (a port from 1 to 65535) nor a path "
                                   "(which holds a '/')");
    return open_tcp(spec, spec.substr(0, colon), *port);
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (spec.size() >= sizeof addr.sun_path)
    throw Error(Exit::usage, "--socket " + quoted(spec) + ": a socket path holds at most " +
                                 std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, spec.data(), spec.size());
  struct stat st {};
  if (::lstat(spec.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(spec.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(Exit::cant_create, std::string("socket: ") + std::strerror(errno));
  return listen_on(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr, spec);
}

}  // namespace provlock::cli
