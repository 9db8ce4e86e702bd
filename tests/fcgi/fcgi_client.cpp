// A FastCGI client for the tests of `provlock fcgi`: it speaks the protocol
// itself over a Unix socket, as nginx or mod_proxy_fcgi would, so that the
// responder is tested without a web server in front of it.
//
//   fcgi_client replay SOCKET SCENARIO
//     Sends each request of SCENARIO (one a line: METHOD, REMOTE_ADDR,
//     PATH_INFO, REMOTE_USER, HTTP_USER_AGENT and BODY, separated by '|'; an
//     empty REMOTE_USER is unset) and prints, per request, "=== N" and the
//     response's FCGI_STDOUT stream as it came (what a CGI program prints).
//   fcgi_client inflight SOCKET PID PATH
//     Sends half of a GET of PATH from 127.0.0.2, sends SIGTERM to PID,
//     waits 300 ms, sends the rest and prints the response's FCGI_STDOUT.
//   fcgi_client load SOCKET PID COUNT ROOT MAC_A MAC_B
//     Sends COUNT requests of a mixed load (see kKinds) and checks every
//     answer; after 10,000 and at the end it reads the descriptors and the
//     RSS of process PID. Exits 1 when an answer was wrong, a descriptor
//     leaked or the RSS grew by FCGI_MAX_RSS_GROWTH_KIB (default 1024) KiB
//     or more after the warm-up ("none": not bounded, for AddressSanitizer,
//     whose quarantine keeps freed memory).
//   fcgi_client keep SOCKET PID COUNT ROOT MAC
//     Connections kept open (FCGI_KEEP_CONN, as nginx's fastcgi_keep_conn):
//     opens 70, one GET of MAC's file from 10.0.0.1 each, so that the 6
//     least recently used are closed by PID (it keeps 64; without waiting
//     for them to hang up); closes 10 itself, drops one with a malformed
//     record, sends a GET and a POST whose input ends in a later write, each
//     followed by a GET on the same connection, then COUNT GETs round the 53
//     left, every 7th on a connection of its own instead. Exits 1 when an
//     answer was wrong, a connection was closed or kept when it should not
//     have been, or PID's descriptors are not back where they were.
//   fcgi_client slow SOCKET PATH
//     A web server that sends slower than provlock fcgi may take for a
//     request (kFastCgiRequestSeconds, 10 s), a byte every 500 ms (so never
//     10 s without one): in turn, a whole request on a new connection; the
//     body of a request whose params came at once, on a kept connection
//     that was answered a request before; and bytes after the answer, on a
//     connection being closed (libfcgi waits for it to hang up). A second
//     after each starts, a GET of PATH on a connection of its own waits for
//     its answer. Exits 1 unless provlock closed each slow connection within
//     12 s, answering only the request whose params had come (400), and
//     answered each GET (200) within 13 s of the slow one's start.
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

void record(std::string& out, int type, std::string_view content) {
  do {
    const std::size_t n = std::min<std::size_t>(content.size(), 65535);
    const unsigned char head[8] = {1,
                                   static_cast<unsigned char>(type),
                                   0,
                                   1,
                                   static_cast<unsigned char>(n >> 8),
                                   static_cast<unsigned char>(n & 0xff),
                                   0,
                                   0};
    out.append(reinterpret_cast<const char*>(head), 8);
    out.append(content.substr(0, n));
    content.remove_prefix(n);
  } while (!content.empty());
}

void length(std::string& out, std::size_t n) {
  if (n < 128) {
    out += static_cast<char>(n);
  } else {
    out += static_cast<char>(0x80 | (n >> 24));
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
  }
}

// A whole request: FCGI_BEGIN_REQUEST (role 1 = responder), its params,
// its body, each stream ended by an empty record.
std::string request(const Params& params, const std::string& body, int role = 1,
                    bool keep = false) {
  std::string out;
  const char begin[8] = {0, static_cast<char>(role), keep ? '\1' : '\0', 0, 0, 0, 0, 0};
  record(out, 1, std::string_view(begin, 8));
  std::string pairs;
  for (const auto& [name, value] : params) {
    length(pairs, name.size());
    length(pairs, value.size());
    pairs += name;
    pairs += value;
  }
  if (!pairs.empty()) record(out, 4, pairs);
  record(out, 4, "");
  if (!body.empty()) record(out, 5, body);
  record(out, 5, "");
  return out;
}

Params cgi_params(const std::string& method, const std::string& addr, const std::string& path) {
  Params p = {{"GATEWAY_INTERFACE", "CGI/1.1"},
              {"REQUEST_METHOD", method},
              {"REMOTE_ADDR", addr},
              {"SCRIPT_NAME", "/provisioning"},
              {"PATH_INFO", path},
              {"REQUEST_URI", "/provisioning" + path},
              {"SERVER_PROTOCOL", "HTTP/1.1"}};
  return p;
}

int connect_to(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof addr.sun_path - 1));
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror(("connect " + path).c_str());
    std::exit(2);
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// What came back on a connection: the FCGI_STDOUT stream, and whether an
// FCGI_END_REQUEST ended it.
struct Response {
  std::string out;
  bool ended = false;
  std::size_t bytes = 0;
};

Response read_response(int fd) {
  std::string raw;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  Response r;
  r.bytes = raw.size();
  for (std::size_t i = 0; i + 8 <= raw.size();) {
    const auto* h = reinterpret_cast<const unsigned char*>(raw.data() + i);
    const std::size_t len = (h[4] << 8) | h[5], pad = h[6];
    if (h[1] == 6) r.out.append(raw, i + 8, len);
    if (h[1] == 3) r.ended = true;
    i += 8 + len + pad;
  }
  return r;
}

// The response to one request on a kept connection: read up to its
// FCGI_END_REQUEST (the connection stays open), or to the end of the stream
// when the responder closes it first.
Response read_kept_response(int fd) {
  std::string raw;
  Response r;
  char buf[65536];
  for (;;) {
    std::size_t i = 0;
    while (i + 8 <= raw.size()) {
      const auto* h = reinterpret_cast<const unsigned char*>(raw.data() + i);
      const std::size_t len = (h[4] << 8) | h[5], pad = h[6];
      if (i + 8 + len + pad > raw.size()) break;
      if (h[1] == 6) r.out.append(raw, i + 8, len);
      i += 8 + len + pad;
      if (h[1] == 3) {
        r.ended = true;
        r.bytes += i;
        return r;
      }
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  r.bytes = raw.size();
  return r;
}

Response round_trip(const std::string& socket, const std::string& bytes) {
  const int fd = connect_to(socket);
  send_all(fd, bytes);
  ::shutdown(fd, SHUT_WR);
  Response r = read_response(fd);
  ::close(fd);
  return r;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(line);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  if (!line.empty() && line.back() == sep) parts.emplace_back();
  return parts;
}

int replay(const std::string& socket, const std::string& scenario) {
  std::ifstream in(scenario);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::vector<std::string> f = split(line, '|');
    f.resize(6);
    Params p = cgi_params(f[0], f[1], f[2]);
    if (!f[3].empty()) p.emplace_back("REMOTE_USER", f[3]);
    if (!f[4].empty()) p.emplace_back("HTTP_USER_AGENT", f[4]);
    if (!f[5].empty()) p.emplace_back("CONTENT_LENGTH", std::to_string(f[5].size()));
    const Response r = round_trip(socket, request(p, f[5]));
    std::cout << "=== " << n << '\n' << r.out << '\n';
  }
  return 0;
}

int inflight(const std::string& socket, int pid, const std::string& path) {
  const std::string bytes = request(cgi_params("GET", "127.0.0.2", path), "");
  const int fd = connect_to(socket);
  send_all(fd, std::string_view(bytes).substr(0, bytes.size() / 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  send_all(fd, std::string_view(bytes).substr(bytes.size() / 2));
  ::shutdown(fd, SHUT_WR);
  std::cout << read_response(fd).out;
  ::close(fd);
  return 0;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int open_fds(int pid) {
  int n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The process's descriptors once it is idle: the count, read until it
// holds still (a connection is closed just after its answer is read).
int settled_fds(int pid) {
  int last = -1;
  for (int i = 0; i < 50; ++i) {
    const int n = open_fds(pid);
    if (n == last) return n;
    last = n;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return last;
}

struct Kind {
  const char* name;
  int status;         // 0: no response at all (the connection is dropped)
  const char* body;   // what the body starts with ("" for any)
  bool reads = true;  // false: the client hangs up without reading
};

// The load, one of each in turn. The scanner (192.0.2.7) asks for files of
// unknown MACs: 404 for its first 21 (ban.max_attempts = 20), then banned.
const Kind kKinds[] = {
    {"allowed GET", 200, nullptr},
    {"foreign IP", 403, "locked"},
    {"unknown MAC scan", -1, ""},
    {"public file", 200, nullptr},
    {"404 without a MAC", 404, "not-found"},
    {"HEAD", 200, ""},
    {"POST self-unban", 200, "not banned"},
    {"malformed record", 0, ""},
    {"hang-up mid-request", 0, "", false},
    {"over-long param", 400, "bad-request: User-Agent longer"},
    {"PUT", 405, "method-not-allowed"},
    {"bad path", 400, "bad-request: '.' or '..'"},
    {"REMOTE_USER", 200, nullptr},
    {"client certificate", 200, nullptr},
    {"authorizer role", 500, ""},
    {"hang-up before the answer", 0, "", false},
};
constexpr int kKindCount = sizeof kKinds / sizeof kKinds[0];

std::string load_request(int kind, long i, const std::string& a, const std::string& b) {
  const std::string a_cfg = "/" + a + ".cfg";
  switch (kind) {
    case 0:
    case 15:
      return request(cgi_params("GET", "10.0.0.1", a_cfg), "");
    case 1:
      return request(cgi_params("GET", "10.0.0.2", a_cfg), "");
    case 2: {
      char mac[13];
      std::snprintf(mac, sizeof mac, "0015%08lx", static_cast<unsigned long>(i) & 0xffffffff);
      return request(cgi_params("GET", "192.0.2.7", "/" + std::string(mac) + ".cfg"), "");
    }
    case 3:
      return request(cgi_params("GET", "10.0.0.5", "/y000000000028.cfg"), "");
    case 4:
      return request(cgi_params("GET", "10.0.0.6", "/nomac.txt"), "");
    case 5:
      return request(cgi_params("HEAD", "10.0.0.1", a_cfg), "");
    case 6: {
      Params p = cgi_params("POST", "10.0.0.1", "/unban-self");
      p.emplace_back("CONTENT_LENGTH", "6");
      return request(p, "please");
    }
    case 7:
      return "GET / HTTP/1.1\r\nHost: x\r\n\r\n" +
             request(cgi_params("GET", "10.0.0.1", a_cfg), "");
    case 8:
      return request(cgi_params("GET", "10.0.0.1", a_cfg), "").substr(0, 40);
    case 9: {
      Params p = cgi_params("GET", "10.0.0.1", a_cfg);
      p.emplace_back("HTTP_USER_AGENT", std::string(200000, 'x'));
      return request(p, "");
    }
    case 10:
      return request(cgi_params("PUT", "10.0.0.1", a_cfg), "");
    case 11:
      return request(cgi_params("GET", "10.0.0.1", "/../etc/passwd"), "");
    case 12: {
      Params p = cgi_params("GET", "10.1." + std::to_string(i % 200) + ".9", "/" + b + ".cfg");
      p.emplace_back("REMOTE_USER", b);
      return request(p, "");
    }
    case 13: {
      Params p = cgi_params("GET", "10.0.0.1", a_cfg);
      p.emplace_back("SSL_CLIENT_VERIFY", "SUCCESS");
      p.emplace_back("SSL_CLIENT_S_DN_CN", a);
      return request(p, "");
    }
    default:
      return request(cgi_params("GET", "10.0.0.1", a_cfg), "", 2);
  }
}

struct Pending {
  int fd;
  int kind;
  long scan;  // the how-many-th scan, for the scanner's expected status
};

int load(const std::string& socket, int pid, long count, const std::string& root,
         const std::string& a, const std::string& b) {
  const std::string a_body = slurp(root + "/" + a + ".cfg");
  const std::string b_body = slurp(root + "/" + b + ".cfg");
  const std::string public_body = slurp(root + "/y000000000028.cfg");
  long failures = 0, scans = 0, done = 0;
  std::deque<Pending> window;
  int fds_warm = -1;
  long rss_warm = -1;
  auto check = [&](const Pending& p) {
    const Kind& k = kKinds[p.kind];
    const Response r = read_response(p.fd);
    ::close(p.fd);
    int status = 0;
    std::string body;
    if (std::sscanf(r.out.c_str(), "Status: %d", &status) == 1) {
      const std::size_t end = r.out.find("\r\n\r\n");
      body = end == std::string::npos ? "" : r.out.substr(end + 4);
    }
    int want = k.status;
    std::string want_body = k.body         ? k.body
                            : p.kind == 12 ? b_body
                            : p.kind == 3  ? public_body
                                           : a_body;
    if (p.kind == 2) {
      want = p.scan <= 21 ? 404 : 403;
      want_body = p.scan <= 21 ? "not-found" : "banned: 192.0.2.7";
    }
    if (p.kind == 5) want_body = "";
    const bool ok = status == want && body.rfind(want_body, 0) == 0 &&
                    (p.kind != 5 || body.empty()) && (want == 0 ? r.bytes == 0 : r.ended);
    if (!ok && ++failures <= 10)
      std::cerr << "FAIL " << k.name << ": wanted " << want << " '" << want_body << "', got "
                << status << " (" << r.bytes << " bytes): " << r.out.substr(0, 200) << '\n';
  };
  auto drain = [&] {
    while (!window.empty()) {
      check(window.front());
      window.pop_front();
    }
  };
  const auto start = std::chrono::steady_clock::now();
  const long warm_up = std::min<long>(10000, count / 2);
  for (long i = 0; i < count; ++i) {
    const int kind = static_cast<int>(i % kKindCount);
    if (kind == 2) ++scans;
    const int fd = connect_to(socket);
    send_all(fd, load_request(kind, i, a, b));
    if (kKinds[kind].reads) {
      ::shutdown(fd, SHUT_WR);
      window.push_back({fd, kind, scans});
    } else {
      ::close(fd);
    }
    if (window.size() >= 16) {
      check(window.front());
      window.pop_front();
    }
    ++done;
    if (done == warm_up) {
      drain();
      fds_warm = settled_fds(pid);
      rss_warm = rss_kib(pid);
      std::cout << "after " << done << " requests: " << fds_warm << " descriptors, RSS " << rss_warm
                << " KiB" << std::endl;
    }
  }
  drain();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int fds_end = settled_fds(pid);
  const long rss_end = rss_kib(pid);
  std::cout << "after " << done << " requests: " << fds_end << " descriptors, RSS " << rss_end
            << " KiB (" << static_cast<long>(done / seconds) << " requests/s, " << seconds << " s)"
            << std::endl;
  int rc = 0;
  if (failures) {
    std::cout << "FAIL: " << failures << " wrong answers" << std::endl;
    rc = 1;
  }
  if (fds_end != fds_warm) {
    std::cout << "FAIL: descriptors " << fds_warm << " -> " << fds_end << std::endl;
    rc = 1;
  }
  const char* limit_env = std::getenv("FCGI_MAX_RSS_GROWTH_KIB");
  const std::string limit = limit_env ? limit_env : "1024";
  if (limit != "none" && rss_end - rss_warm >= std::stol(limit)) {
    std::cout << "FAIL: RSS grew by " << rss_end - rss_warm << " KiB" << std::endl;
    rc = 1;
  }
  if (rc == 0)
    std::cout << "ok: every answer right, no descriptor leaked, RSS grew by " << rss_end - rss_warm
              << " KiB" << std::endl;
  return rc;
}

int keep(const std::string& socket, int pid, long count, const std::string& root,
         const std::string& mac) {
  const std::string body = slurp(root + "/" + mac + ".cfg");
  const std::string get = request(cgi_params("GET", "10.0.0.1", "/" + mac + ".cfg"), "", 1, true);
  long failures = 0;
  auto fail = [&](const std::string& what) {
    if (++failures <= 10) std::cout << "FAIL " << what << std::endl;
  };
  auto answered = [&](const Response& r) {
    return r.ended && r.out.rfind("Status: 200", 0) == 0 && r.out.size() >= body.size() &&
           r.out.compare(r.out.size() - body.size(), body.size(), body) == 0;
  };
  const int fds_before = settled_fds(pid);
  std::vector<int> conns;
  auto since = std::chrono::steady_clock::now();
  for (int i = 0; i < 70; ++i) {
    if (i == 64) since = std::chrono::steady_clock::now();
    conns.push_back(connect_to(socket));
    if (!send_all(conns.back(), get) || !answered(read_kept_response(conns.back())))
      fail("kept connection " + std::to_string(i) + ": no answer");
  }
  // The six that each closed an idle connection to make room: a close that
  // waited for the peer to hang up (libfcgi's own waits 2 s) would hold them
  // up for 12 s at least.
  const double evicting =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  if (evicting > 6)
    fail("six connections that closed idle ones took " + std::to_string(evicting) + " s");
  // The six the responder closed: an end of stream, whatever is sent.
  for (int i = 0; i < 6; ++i) {
    send_all(conns[i], get);
    const Response r = read_kept_response(conns[i]);
    if (r.bytes != 0) fail("connection " + std::to_string(i) + " was kept past the limit of 64");
    ::close(conns[i]);
  }
  for (int i = 60; i < 70; ++i) ::close(conns[i]);
  // A malformed record on one: that connection only is dropped.
  send_all(conns[6], "GET / HTTP/1.1\r\n\r\n");
  if (read_kept_response(conns[6]).bytes != 0)
    fail("a malformed record did not drop its connection");
  ::close(conns[6]);
  // A request whose input ends in a later write (the empty record that ends
  // it sent on its own, as a web server may), then one with a body (the
  // self-unban's POST): the connection stays sound for the next request.
  auto in_two_writes = [&](const std::string& bytes, const std::string& what) {
    send_all(conns[7], std::string_view(bytes).substr(0, bytes.size() - 8));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    send_all(conns[7], std::string_view(bytes).substr(bytes.size() - 8));
    const Response r = read_kept_response(conns[7]);
    if (!r.ended) fail(what + ": no answer");
    if (!send_all(conns[7], get) || !answered(read_kept_response(conns[7])))
      fail(what + ": the next request on its connection got no answer");
  };
  in_two_writes(get, "a GET whose input ends in a later write");
  Params post = cgi_params("POST", "10.0.0.1", "/unban-self");
  post.emplace_back("CONTENT_LENGTH", "6");
  in_two_writes(request(post, "please", 1, true), "a POST with a body");
  std::vector<int> kept(conns.begin() + 7, conns.begin() + 60);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < count; ++i) {
    if (i % 7 == 6) {
      const Response r =
          round_trip(socket, request(cgi_params("GET", "10.0.0.1", "/" + mac + ".cfg"), ""));
      if (!answered(r)) fail("request " + std::to_string(i) + " on a connection of its own");
      continue;
    }
    const int fd = kept[static_cast<std::size_t>(i) % kept.size()];
    if (!send_all(fd, get) || !answered(read_kept_response(fd)))
      fail("request " + std::to_string(i) + " on a kept connection");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int fds_kept = settled_fds(pid);
  if (fds_kept != fds_before + static_cast<int>(kept.size()))
    fail("descriptors with " + std::to_string(kept.size()) +
         " connections kept: " + std::to_string(fds_before) + " -> " + std::to_string(fds_kept));
  for (int fd : kept) ::close(fd);
  // The responder sees each end of stream the next time it waits.
  round_trip(socket, request(cgi_params("GET", "10.0.0.1", "/" + mac + ".cfg"), ""));
  const int fds_after = settled_fds(pid);
  if (fds_after != fds_before)
    fail("descriptors after the connections closed: " + std::to_string(fds_before) + " -> " +
         std::to_string(fds_after));
  if (failures) {
    std::cout << "FAIL: " << failures << " failures" << std::endl;
    return 1;
  }
  std::cout << "ok: " << count << " requests, " << kept.size() << " connections kept ("
            << static_cast<long>(count / seconds)
            << " requests/s), the 6 least recently used of 70 "
            << "closed, descriptors " << fds_before << " -> " << fds_kept << " -> " << fds_after
            << std::endl;
  return 0;
}

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Sends `bytes` on `fd` a byte every 500 ms, reading what comes back, until
// `stop` is set or the responder stops reading (a send fails: on a Unix
// socket, once the responder shut its reading down or closed; its end of
// stream alone is no sign, libfcgi's close sends it first and then waits
// for the hang-up). What came back goes to `got`; returns the seconds from
// `start` to the failed send, or -1 when `stop` came first.
double trickle(int fd, const std::string& bytes, const std::atomic<bool>& stop,
               SteadyClock::time_point start, std::string& got) {
  bool ended = false;
  for (std::size_t i = 0; !stop; ++i) {
    if (i < bytes.size() && ::send(fd, &bytes[i], 1, MSG_NOSIGNAL) != 1)
      return seconds_since(start);
    const auto next = SteadyClock::now() + std::chrono::milliseconds(500);
    while (!stop && SteadyClock::now() < next) {
      pollfd p{fd, POLLIN, 0};
      if (ended || ::poll(&p, 1, 50) <= 0) {
        if (ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
      if (n == 0) ended = true;
      if (n < 0 && errno != EAGAIN && errno != EINTR) return seconds_since(start);
    }
  }
  return -1;
}

int slow(const std::string& socket, const std::string& path) {
  const std::string get = request(cgi_params("GET", "10.0.0.1", path), "");
  int failures = 0;
  // One slow connection: `fd`, to which `bytes` go a byte at a time; what
  // comes back must start with `answer` ("": nothing may).
  auto run = [&](const std::string& what, int fd, const std::string& bytes,
                 const std::string& answer) {
    std::atomic<bool> stop = false;
    const auto start = SteadyClock::now();
    std::string got;
    double closed = -1;
    std::thread slow_peer([&] { closed = trickle(fd, bytes, stop, start, got); });
    std::this_thread::sleep_for(std::chrono::seconds(1));
    // The other client: its answer is given up 20 s after its start.
    const int other = connect_to(socket);
    const timeval limit{20, 0};
    ::setsockopt(other, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    send_all(other, get);
    ::shutdown(other, SHUT_WR);
    const Response r = read_response(other);
    const double answered = seconds_since(start);
    ::close(other);
    // Its end, with time to spare for a close that comes after the answer.
    while (closed < 0 && seconds_since(start) < 13)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
    slow_peer.join();
    ::close(fd);
    const bool ok_other = r.ended && r.out.rfind("Status: 200", 0) == 0 && answered <= 13;
    const bool ok_closed = closed >= 0 && closed <= 12;
    std::string slow_status = got.empty() ? "nothing" : "bytes but no FCGI_STDOUT";
    for (std::size_t i = 0; i + 8 <= got.size();) {
      const auto* h = reinterpret_cast<const unsigned char*>(got.data() + i);
      const std::size_t len = (h[4] << 8) | h[5], pad = h[6];
      if (h[1] == 6 && i + 8 + len <= got.size()) {
        slow_status = got.substr(i + 8, std::min<std::size_t>(len, 60));
        slow_status = slow_status.substr(0, slow_status.find('\r'));
        break;
      }
      i += 8 + len + pad;
    }
    const bool ok_answer = answer.empty() ? got.empty() : slow_status.rfind(answer, 0) == 0;
    std::cout << (ok_other && ok_closed && ok_answer ? "ok   " : "FAIL ") << what
              << ": closed by provlock "
              << (closed < 0 ? std::string("never") : "after " + std::to_string(closed) + " s")
              << " (it got " << slow_status << "); the other GET "
              << (r.ended ? "answered" : "not answered") << " after " << answered << " s ("
              << r.out.substr(0, r.out.find('\r')) << ")" << std::endl;
    if (!ok_other || !ok_closed || !ok_answer) ++failures;
  };

  // A whole request, from its first byte.
  // Its params cut short are no request to answer.
  run("a request sent a byte every 500 ms", connect_to(socket), get, "");

  // The body of a request on a kept connection, after a first request on it
  // was answered; its params come at once.
  {
    const int fd = connect_to(socket);
    const std::string kept = request(cgi_params("GET", "10.0.0.1", path), "", 1, true);
    send_all(fd, kept);
    if (!read_kept_response(fd).ended) {
      std::cout << "FAIL the first request on a kept connection got no answer" << std::endl;
      ++failures;
    }
    Params p = cgi_params("GET", "10.0.0.1", path);
    p.emplace_back("CONTENT_LENGTH", "64");
    const std::string head = request(p, "", 1, true);
    const std::string whole = request(p, std::string(64, 'x'), 1, true);
    send_all(fd, std::string_view(head).substr(0, head.size() - 8));
    run("a body sent a byte every 500 ms on a kept connection", fd, whole.substr(head.size() - 8),
        "Status: 400");
  }

  // Bytes after the answer, on a connection provlock closes (no
  // FCGI_KEEP_CONN): libfcgi waits for the peer to hang up, reading.
  {
    const int fd = connect_to(socket);
    send_all(fd, get);
    if (!read_kept_response(fd).ended) {
      std::cout << "FAIL a request before a slow hang-up got no answer" << std::endl;
      ++failures;
    }
    run("bytes a byte every 500 ms after the answer", fd, std::string(1000, 'x'), "");
  }
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "replay") return replay(args[1], args[2]);
  if (args.size() == 4 && args[0] == "inflight")
    return inflight(args[1], std::stoi(args[2]), args[3]);
  if (args.size() == 7 && args[0] == "load")
    return load(args[1], std::stoi(args[2]), std::stol(args[3]), args[4], args[5], args[6]);
  if (args.size() == 6 && args[0] == "keep")
    return keep(args[1], std::stoi(args[2]), std::stol(args[3]), args[4], args[5]);
  if (args.size() == 3 && args[0] == "slow") return slow(args[1], args[2]);
  std::cerr << "usage: fcgi_client replay SOCKET SCENARIO\n"
               "       fcgi_client inflight SOCKET PID PATH\n"
               "       fcgi_client load SOCKET PID COUNT ROOT MAC_A MAC_B\n"
               "       fcgi_client keep SOCKET PID COUNT ROOT MAC\n"
               "       fcgi_client slow SOCKET PATH\n";
  return 2;
}
