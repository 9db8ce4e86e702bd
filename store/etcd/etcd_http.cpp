#include "store/etcd/etcd_http.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "lib/error.hpp"

namespace provlock::store::etcd {

// ---- base64 ----------------------------------------------------------------

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    const auto b2 = static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 3) << 4) | (b1 >> 4)];
    out += kAlphabet[((b1 & 15) << 2) | (b2 >> 6)];
    out += kAlphabet[b2 & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = rest > 1 ? static_cast<unsigned char>(bytes[i + 1]) : 0;
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 3) << 4) | (b1 >> 4)];
    out += rest > 1 ? kAlphabet[(b1 & 15) << 2] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    throw Error(Exit::io, "etcd answered with a base64 text of " + std::to_string(text.size()) +
                              " characters, not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int s[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2 && (k == 3 || text[i + 3] == '=')) {
        s[k] = 0;
        ++padding;
        continue;
      }
      s[k] = sextet(c);
      if (s[k] < 0 || padding > 0)
        throw Error(Exit::io, "etcd answered with text that is not base64 at character " +
                                  std::to_string(i + k + 1));
    }
    out += static_cast<char>((s[0] << 2) | (s[1] >> 4));
    if (padding < 2) out += static_cast<char>(((s[1] & 15) << 4) | (s[2] >> 2));
    if (padding < 1) out += static_cast<char>(((s[2] & 3) << 6) | s[3]);
  }
  return out;
}

// ---- JSON of etcd's messages ----------------------------------------------

namespace {

using Json = nlohmann::json;

// protobuf's JSON: an int64 is a string ("12"), a field at its default is
// left out.
std::int64_t int_of(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    std::size_t used = 0;
    std::int64_t value = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == text.size() && used > 0) return value;
  }
  throw Error(Exit::io, std::string("etcd answered with a field ") + name +
                            " that is not an integer (" + it->type_name() + ")");
}

std::string bytes_of(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string())
    throw Error(Exit::io, std::string("etcd answered with a field ") + name +
                              " that is not base64 text (" + it->type_name() + ")");
  return base64_decode(it->get_ref<const std::string&>());
}

bool bool_of(const Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

const Json& object_of(const Json& object, const char* name) {
  static const Json empty = Json::object();
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return empty;
  if (!it->is_object())
    throw Error(Exit::io,
                std::string("etcd answered with a field ") + name + " that is not an object");
  return *it;
}

const Json& array_of(const Json& object, const char* name) {
  static const Json empty = Json::array();
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return empty;
  if (!it->is_array())
    throw Error(Exit::io,
                std::string("etcd answered with a field ") + name + " that is not an array");
  return *it;
}

std::vector<KeyValue> kvs_of(const Json& response) {
  std::vector<KeyValue> kvs;
  for (const Json& kv : array_of(response, "kvs")) {
    if (!kv.is_object()) throw Error(Exit::io, "etcd answered with a key-value that is no object");
    kvs.push_back(KeyValue{bytes_of(kv, "key"), bytes_of(kv, "value"),
                           int_of(kv, "create_revision"), int_of(kv, "mod_revision"),
                           int_of(kv, "version")});
  }
  return kvs;
}

// The store's revision in an answer's header: etcd always sends one, at
// least 1. An answer without it is not etcd's (a "200 {}" would otherwise
// read as an empty store).
std::int64_t revision_of(const Json& answer) {
  const std::int64_t revision = int_of(object_of(answer, "header"), "revision");
  if (revision < 1) throw Error(Exit::io, "etcd answered without the store's revision: not etcd?");
  return revision;
}

Json json_of(const Op& op) {
  Json request = Json::object();
  request["key"] = base64_encode(op.key);
  switch (op.kind) {
    case Op::Kind::put:
      request["value"] = base64_encode(op.value);
      return Json{{"request_put", std::move(request)}};
    case Op::Kind::del:
      if (!op.range_end.empty()) request["range_end"] = base64_encode(op.range_end);
      return Json{{"request_delete_range", std::move(request)}};
    case Op::Kind::range:
      break;
  }
  if (!op.range_end.empty()) request["range_end"] = base64_encode(op.range_end);
  if (op.limit != 0) request["limit"] = std::to_string(op.limit);
  if (op.serializable) request["serializable"] = true;
  return Json{{"request_range", std::move(request)}};
}

Json json_of(const Compare& compare) {
  Json out = Json::object();
  out["key"] = base64_encode(compare.key);
  if (!compare.range_end.empty()) out["range_end"] = base64_encode(compare.range_end);
  out["result"] = compare.before ? "LESS" : "EQUAL";
  if (compare.target == Compare::Target::mod_revision) {
    out["target"] = "MOD";
    out["mod_revision"] = std::to_string(compare.mod_revision);
  } else {
    out["target"] = "VALUE";
    out["value"] = base64_encode(compare.value);
  }
  return out;
}

OpResult op_result_of(const Json& response) {
  if (!response.is_object()) throw Error(Exit::io, "etcd answered a txn with an odd response");
  OpResult result;
  if (response.contains("response_range")) {
    const Json& range = object_of(response, "response_range");
    result.kind = Op::Kind::range;
    result.kvs = kvs_of(range);
    result.more = bool_of(range, "more");
  } else if (response.contains("response_put")) {
    result.kind = Op::Kind::put;
  } else if (response.contains("response_delete_range")) {
    result.kind = Op::Kind::del;
    result.deleted = int_of(object_of(response, "response_delete_range"), "deleted");
  } else {
    throw Error(Exit::io, "etcd answered a txn with an operation of a kind never asked for");
  }
  return result;
}

// ---- HTTP/1.1 over one socket ---------------------------------------------

using Clock = std::chrono::steady_clock;

// Largest answer taken: a page of a scan (1000 keys) or a decision's read
// is far smaller. (Parsed, JSON takes many times its text's size.)
constexpr std::size_t kMaxAnswer = 16 * 1024 * 1024;
// Deepest nesting taken: etcd's answers go 5 levels deep.
constexpr int kMaxDepth = 16;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// "A.B.C.D:PORT" or "[V6]:PORT" (checked by parse_etcd_url); nullopt for a
// host name.
std::optional<Address> address_of(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = endpoint.substr(0, colon);
  const int port = std::atoi(endpoint.c_str() + colon + 1);
  Address a;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1) return std::nullopt;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof *v6;
    return a;
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) return std::nullopt;
  v4->sin_family = AF_INET;
  v4->sin_port = htons(static_cast<std::uint16_t>(port));
  a.length = sizeof *v4;
  return a;
}

// Why a call to one endpoint failed, before any answer was understood.
struct Failure {
  Outcome::Kind kind;
  std::string message;
  bool nothing_read;  // the connection failed before a byte of the answer came
};

// Waits for `events` on fd until the deadline; false when it passed.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;  // (ENOMEM): no answer
  }
}

class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  bool open() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  // Connects, unless open. Throws Failure.
  void connect(const Address& to, Clock::time_point deadline) {
    if (fd_ >= 0) return;
    fd_ = ::socket(to.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) throw Failure{Outcome::Kind::no_answer, errno_text("socket"), true};
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&to.storage), to.length) != 0) {
      if (errno != EINPROGRESS) fail("connect");
      if (!wait_for(fd_, POLLOUT, deadline)) timed_out("connecting");
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        errno = error;
        fail("connect");
      }
    }
  }

  void send_all(std::string_view data, Clock::time_point deadline) {
    got_any_ = false;
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_for(fd_, POLLOUT, deadline)) timed_out("sending");
        continue;
      }
      fail("send");
    }
  }

  // One answer: its status and body (chunked or not). Throws Failure.
  std::pair<int, std::string> receive(Clock::time_point deadline) {
    std::string status_line = line(deadline);
    // "HTTP/1.1 200 OK"
    int status = 0;
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 ||
        (status = std::atoi(status_line.c_str() + 9)) < 100)
      throw Failure{Outcome::Kind::refused,
                    "not an HTTP answer: " + provlock::quoted(status_line.substr(0, 80)), false};
    std::optional<std::size_t> length;
    bool chunked = false, close_after = false;
    for (;;) {
      std::string header = line(deadline);
      if (header.empty()) break;
      const auto colon = header.find(':');
      if (colon == std::string::npos) continue;
      std::string name = header.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = header.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      std::string lower = value;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (name == "content-length") {
        length = static_cast<std::size_t>(std::strtoull(value.c_str(), nullptr, 10));
        if (*length > kMaxAnswer) too_long();
      } else if (name == "transfer-encoding") {
        chunked = lower.find("chunked") != std::string::npos;
      } else if (name == "connection") {
        close_after = lower.find("close") != std::string::npos;
      }
    }
    std::string body;
    if (chunked) {
      for (;;) {
        const std::string size_line = line(deadline);
        if (size_line.empty() || !std::isxdigit(static_cast<unsigned char>(size_line[0])))
          throw Failure{Outcome::Kind::refused,
                        "a chunk of the answer without its size: " +
                            provlock::quoted(size_line.substr(0, 40)),
                        false};
        const std::size_t size = std::strtoull(size_line.c_str(), nullptr, 16);
        if (size == 0) {
          while (!line(deadline).empty()) {  // trailers
          }
          break;
        }
        if (size > kMaxAnswer || body.size() + size > kMaxAnswer) too_long();
        body += take(size, deadline);
        if (!line(deadline).empty())
          throw Failure{Outcome::Kind::refused, "a chunk of the answer ends oddly", false};
      }
    } else if (length) {
      body = take(*length, deadline);
    } else {
      // Neither: the body ends with the connection.
      while (fill(deadline)) {
        if (buffer_.size() > kMaxAnswer) too_long();
      }
      body = std::move(buffer_);
      buffer_.clear();
      close_after = true;
    }
    // Bytes after the answer were never asked for: not a connection to
    // keep.
    if (close_after || !buffer_.empty()) close();
    return {status, std::move(body)};
  }

 private:
  [[noreturn]] void fail(const char* what) {
    const std::string message = errno_text(what);
    close();
    throw Failure{Outcome::Kind::no_answer, message, !got_any_};
  }
  [[noreturn]] void timed_out(const char* what) {
    close();
    throw Failure{Outcome::Kind::no_answer, std::string("no answer in time (") + what + ")", false};
  }
  [[noreturn]] void too_long() {
    close();
    throw Failure{Outcome::Kind::refused, "an answer over " + std::to_string(kMaxAnswer) + " bytes",
                  false};
  }
  static std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
  }

  // Reads more into the buffer; false at the end of the stream.
  bool fill(Clock::time_point deadline) {
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        got_any_ = true;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(fd_, POLLIN, deadline)) timed_out("waiting for the answer");
        continue;
      }
      fail("recv");
    }
  }

  std::string line(Clock::time_point deadline) {
    for (;;) {
      const auto end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string out = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return out;
      }
      if (buffer_.size() > 64 * 1024) too_long();
      if (!fill(deadline)) ended();
    }
  }

  std::string take(std::size_t count, Clock::time_point deadline) {
    while (buffer_.size() < count)
      if (!fill(deadline)) ended();
    std::string out = buffer_.substr(0, count);
    buffer_.erase(0, count);
    return out;
  }

  [[noreturn]] void ended() {
    const bool nothing = !got_any_;
    close();
    throw Failure{Outcome::Kind::no_answer, "the connection was closed before the answer ended",
                  nothing};
  }

  int fd_ = -1;
  std::string buffer_;
  bool got_any_ = false;
};

// etcd's answer to a refused call, {"error": ..., "code": N, "message": ...}
// with N a gRPC status code, taken as the gRPC transport takes the status.
Outcome refusal_of(int status, const std::string& body, const char* path) {
  Json answer = Json::parse(body, nullptr, false);
  if (answer.is_object() && answer.contains("code") && answer["code"].is_number_integer()) {
    const int code = answer["code"].get<int>();
    std::string message;
    for (const char* field : {"message", "error"})
      if (auto it = answer.find(field); message.empty() && it != answer.end() && it->is_string())
        message = it->get<std::string>();
    if (message.empty()) message = "code " + std::to_string(code);
    constexpr int kUnknown = 2, kDeadlineExceeded = 4, kPermissionDenied = 7,
                  kResourceExhausted = 8, kUnavailable = 14, kUnauthenticated = 16;
    Outcome::Kind kind = Outcome::Kind::refused;
    if (code == kUnavailable || code == kDeadlineExceeded ||
        (code == kUnknown && message == "context deadline exceeded"))
      kind = Outcome::Kind::no_answer;
    else if (code == kUnauthenticated || code == kPermissionDenied)
      kind = Outcome::Kind::refused_for_who;
    else if (code == kResourceExhausted)
      kind = message.find("space exceeded") != std::string::npos ? Outcome::Kind::no_space
                                                                 : Outcome::Kind::busy;
    return {kind, message};
  }
  std::string head = body.substr(0, 120);
  while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.pop_back();
  if (status == 404)
    return {Outcome::Kind::misconfigured,
            std::string("HTTP 404 for ") + path +
                ": etcd's JSON gateway is off (etcd --enable-grpc-gateway), this etcd is older "
                "than 3.4, or this is not etcd"};
  if (status == 400 && body.find("HTTPS") != std::string::npos)
    return {Outcome::Kind::misconfigured,
            "the endpoint speaks TLS only (" + provlock::quoted(head) + "): set [store] ca"};
  // A proxy in between that lost its upstream.
  if (status == 502 || status == 503 || status == 504)
    return {Outcome::Kind::no_answer, "HTTP " + std::to_string(status) + " " + head};
  return {Outcome::Kind::refused, "HTTP " + std::to_string(status) + " " + provlock::quoted(head)};
}

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(const ClientOptions& options) {
    for (const auto& endpoint : options.endpoints) {
      auto peer = std::make_unique<Peer>();
      peer->address = *address_of(endpoint);
      peer->host = endpoint;
      peers_.push_back(std::move(peer));
    }
  }

  Outcome range(std::size_t endpoint, const Op& op, std::int64_t revision,
                std::chrono::milliseconds timeout, RangeResult& out) override {
    Json request = std::move(json_of(op)["request_range"]);
    if (revision != 0) request["revision"] = std::to_string(revision);
    Json answer;
    Outcome outcome = call(endpoint, "/v3/kv/range", request.dump(), timeout, answer);
    if (outcome.kind != Outcome::Kind::ok) return outcome;
    out.revision = revision_of(answer);
    out.more = bool_of(answer, "more");
    out.kvs = kvs_of(answer);
    return {};
  }

  Outcome txn(std::size_t endpoint, const std::vector<Compare>& compares,
              const std::vector<Op>& success, const std::vector<Op>& failure,
              std::chrono::milliseconds timeout, TxnResult& out) override {
    Json request = Json::object();
    Json& c = request["compare"] = Json::array();
    for (const auto& compare : compares) c.push_back(json_of(compare));
    Json& s = request["success"] = Json::array();
    for (const auto& op : success) s.push_back(json_of(op));
    Json& f = request["failure"] = Json::array();
    for (const auto& op : failure) f.push_back(json_of(op));
    Json answer;
    Outcome outcome = call(endpoint, "/v3/kv/txn", request.dump(), timeout, answer);
    if (outcome.kind != Outcome::Kind::ok) return outcome;
    // A txn whose compares failed has no "succeeded" (false is left out).
    out.succeeded = bool_of(answer, "succeeded");
    out.revision = revision_of(answer);
    for (const Json& one : array_of(answer, "responses")) out.results.push_back(op_result_of(one));
    const std::size_t asked = out.succeeded ? success.size() : failure.size();
    if (out.results.size() != asked)
      throw Error(Exit::io, "etcd answered a txn of " + std::to_string(asked) +
                                " operations with " + std::to_string(out.results.size()) +
                                " results");
    return {};
  }

 private:
  struct Peer {
    Address address;
    std::string host;  // "HOST:PORT", for the Host header
    Connection connection;
  };

  // One POST and its answer, within `timeout`. A connection kept from an
  // earlier call that turns out closed before a byte of the answer came
  // (etcd, or something between, dropped it while idle) is opened again
  // once, at once: the request never reached etcd then, or a retry's
  // compare catches it (etcd_client.hpp).
  Outcome call(std::size_t endpoint, const char* path, const std::string& body,
               std::chrono::milliseconds timeout, Json& answer) {
    Peer& peer = *peers_.at(endpoint);
    const auto deadline = Clock::now() + timeout;
    const std::string request =
        std::string("POST ") + path + " HTTP/1.1\r\nHost: " + peer.host +
        "\r\nContent-Type: application/json\r\nGrpc-Timeout: " + std::to_string(timeout.count()) +
        "m\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::pair<int, std::string> got;
    for (int attempt = 0;; ++attempt) {
      const bool kept = peer.connection.open();
      try {
        peer.connection.connect(peer.address, deadline);
        peer.connection.send_all(request, deadline);
        got = peer.connection.receive(deadline);
        break;
      } catch (const Failure& failure) {
        peer.connection.close();
        if (kept && attempt == 0 && failure.nothing_read &&
            failure.kind == Outcome::Kind::no_answer)
          continue;
        return {failure.kind, failure.message};
      }
    }
    if (got.first != 200) return refusal_of(got.first, got.second, path);
    bool too_deep = false;
    answer = Json::parse(
        got.second,
        [&](int depth, Json::parse_event_t, Json&) {
          if (depth > kMaxDepth) too_deep = true;
          return !too_deep;
        },
        false);
    if (too_deep || !answer.is_object()) {
      peer.connection.close();
      return {Outcome::Kind::refused,
              std::string("an answer to ") + path + " that is not a JSON object"};
    }
    return {};
  }

  std::vector<std::unique_ptr<Peer>> peers_;
};

}  // namespace

bool http_transport_fits(const ClientOptions& options) {
  if (options.ca || options.cert || options.key) return false;
  return std::all_of(options.endpoints.begin(), options.endpoints.end(),
                     [](const std::string& e) { return address_of(e).has_value(); });
}

std::unique_ptr<Transport> http_transport(const ClientOptions& options) {
  if (!http_transport_fits(options))
    throw Error(Exit::config,
                "etcd's JSON gateway takes plain text to IP addresses only, not this store "
                "(TLS, or a host name among " +
                    std::to_string(options.endpoints.size()) + " endpoints)");
  return std::make_unique<HttpTransport>(options);
}

}  // namespace provlock::store::etcd
