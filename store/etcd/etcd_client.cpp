#include "store/etcd/etcd_client.hpp"

#include <arpa/inet.h>

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/etcdserver/etcdserverpb/rpc.pb.h"

namespace provlock::store::etcd {

namespace pb = etcdserverpb;

// ---- URL -------------------------------------------------------------------

namespace {

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw Error(Exit::config, "store URL " + quoted(url) + ": " + why +
                                " (expected etcd://HOST:PORT[,HOST:PORT...]/PREFIX)");
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// "HOST:PORT" or "[V6]:PORT", checked; returned as given.
std::string endpoint(std::string_view url, std::string_view text) {
  if (text.empty()) bad_url(url, "an empty endpoint");
  std::string_view host, port;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) bad_url(url, "endpoint " + quoted(text) + " lacks ']'");
    host = text.substr(1, close - 1);
    if (host.empty() ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
        host.find(':') == std::string_view::npos)
      bad_url(url, "endpoint " + quoted(text) + " has no IPv6 address in brackets");
    if (close + 1 >= text.size() || text[close + 1] != ':')
      bad_url(url, "endpoint " + quoted(text) + " has no port");
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) bad_url(url, "endpoint " + quoted(text) + " has no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.empty()) bad_url(url, "endpoint " + quoted(text) + " has no host");
    if (!std::all_of(host.begin(), host.end(), host_char))
      bad_url(url, "endpoint " + quoted(text) +
                       " has a host that is not a name or an address (IPv6 goes in brackets)");
  }
  unsigned long number = 0;
  const bool digits =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) number = std::stoul(std::string(port));
  if (!digits || number < 1 || number > 65535)
    bad_url(url, "endpoint " + quoted(text) + " has port " + quoted(port) + ", not 1-65535");
  return std::string(text);
}

}  // namespace

EtcdUrl parse_etcd_url(std::string_view url) {
  constexpr std::string_view scheme = "etcd://";
  if (url.substr(0, scheme.size()) != scheme) bad_url(url, "not an etcd:// URL");
  const std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) bad_url(url, "no /PREFIX after the endpoints");
  const std::string_view hosts = rest.substr(0, slash);
  EtcdUrl parsed;
  parsed.prefix = std::string(rest.substr(slash + 1));
  if (hosts.empty()) bad_url(url, "no endpoint");
  if (parsed.prefix.empty()) bad_url(url, "an empty prefix");
  if (std::any_of(parsed.prefix.begin(), parsed.prefix.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    bad_url(url, "a prefix with a space or a control character");
  std::size_t start = 0;
  for (;;) {
    const auto comma = hosts.find(',', start);
    parsed.endpoints.push_back(endpoint(url, hosts.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parsed;
}

// ---- Requests --------------------------------------------------------------

Compare Compare::mod_revision_is(std::string key, std::int64_t revision) {
  Compare c;
  c.target = Target::mod_revision;
  c.key = std::move(key);
  c.mod_revision = revision;
  return c;
}

Compare Compare::none_changed_since(std::string key, std::string range_end, std::int64_t revision) {
  Compare c = mod_revision_is(std::move(key), revision + 1);
  c.range_end = std::move(range_end);
  c.before = true;
  return c;
}

Compare Compare::value_is(std::string key, std::string value) {
  Compare c;
  c.target = Target::value;
  c.key = std::move(key);
  c.value = std::move(value);
  return c;
}

Op Op::put(std::string key, std::string value) {
  Op op;
  op.kind = Kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

Op Op::del(std::string key) {
  Op op;
  op.kind = Kind::del;
  op.key = std::move(key);
  return op;
}

Op Op::get(std::string key) {
  Op op;
  op.kind = Kind::range;
  op.key = std::move(key);
  return op;
}

Op Op::range(std::string key, std::string range_end, std::int64_t limit) {
  Op op = get(std::move(key));
  op.range_end = std::move(range_end);
  op.limit = limit;
  return op;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

namespace {

KeyValue from_pb(const mvccpb::KeyValue& kv) {
  return KeyValue{kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version()};
}

void to_pb(const Op& op, pb::RequestOp& out) {
  switch (op.kind) {
    case Op::Kind::put: {
      auto* put = out.mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      break;
    }
    case Op::Kind::del: {
      auto* del = out.mutable_request_delete_range();
      del->set_key(op.key);
      del->set_range_end(op.range_end);
      break;
    }
    case Op::Kind::range: {
      auto* range = out.mutable_request_range();
      range->set_key(op.key);
      range->set_range_end(op.range_end);
      range->set_limit(op.limit);
      range->set_serializable(op.serializable);
      break;
    }
  }
}

void to_pb(const Compare& compare, pb::Compare& out) {
  out.set_key(compare.key);
  out.set_range_end(compare.range_end);
  out.set_result(compare.before ? pb::Compare_CompareResult_LESS : pb::Compare_CompareResult_EQUAL);
  if (compare.target == Compare::Target::mod_revision) {
    out.set_target(pb::Compare_CompareTarget_MOD);
    out.set_mod_revision(compare.mod_revision);
  } else {
    out.set_target(pb::Compare_CompareTarget_VALUE);
    out.set_value(compare.value);
  }
}

OpResult from_pb(const pb::ResponseOp& response) {
  OpResult result;
  switch (response.response_case()) {
    case pb::ResponseOp::kResponseRange:
      result.kind = Op::Kind::range;
      for (const auto& kv : response.response_range().kvs()) result.kvs.push_back(from_pb(kv));
      result.more = response.response_range().more();
      break;
    case pb::ResponseOp::kResponsePut:
      result.kind = Op::Kind::put;
      break;
    case pb::ResponseOp::kResponseDeleteRange:
      result.kind = Op::Kind::del;
      result.deleted = response.response_delete_range().deleted();
      break;
    default:
      throw Error(Exit::io, "etcd answered a txn with an operation of a kind never asked for");
  }
  return result;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  const int open_error = errno;
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad())
    throw Error(Exit::config, std::string("cannot read the etcd ") + what + " " + quoted(path) +
                                  (in.is_open() ? std::string(": a read failed")
                                                : ": " + std::string(std::strerror(open_error))));
  // An empty PEM file would turn into "no CA given" or "no certificate" deep
  // inside gRPC, and then into a handshake that fails without saying why.
  if (text.str().empty())
    throw Error(Exit::config, std::string("the etcd ") + what + " " + quoted(path) + " is empty");
  return text.str();
}

// gRPC logs its errors to stderr (a TLS handshake refused, a connection
// reset), which reach a web server's error log line by line; the Error
// thrown carries gRPC's message instead. GRPC_VERBOSITY in the environment
// brings gRPC's own logging back, for debugging.
void quiet_grpc_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!std::getenv("GRPC_VERBOSITY")) gpr_set_log_function([](gpr_log_func_args*) {});
  });
}

// gRPC's target for an endpoint: an address given as digits goes straight
// to gRPC's ipv4:/ipv6: resolvers, with no DNS resolver (a thread and a
// lookup at every process start); a host name takes the DNS one. TLS still
// checks the certificate against the address.
std::string target_of(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  const std::string host = endpoint.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') return "ipv6:" + endpoint;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return "ipv4:" + endpoint;
  return endpoint;
}

// A try that ran out of time. etcd hands the client's deadline on to its own
// wait (for a leader, for a quorum) and, when that runs out first on its
// side, answers with Go's context error as UNKNOWN rather than
// DEADLINE_EXCEEDED: the same timeout, seen by the server first. Not a
// refusal: the next endpoint may well answer (a node cut off from the
// others, or a follower during an election, waits in vain).
bool timed_out(const grpc::Status& status) {
  const auto code = status.error_code();
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED)
    return true;
  return code == grpc::StatusCode::UNKNOWN && status.error_message() == "context deadline exceeded";
}

std::string joined(const std::vector<std::string>& endpoints) {
  std::string out;
  for (const auto& e : endpoints) out += (out.empty() ? "" : ", ") + e;
  return out;
}

}  // namespace

// ---- Client ----------------------------------------------------------------

struct Client::Impl {
  ClientOptions options;
  std::vector<std::unique_ptr<pb::KV::Stub>> stubs;  // one per endpoint
  std::size_t preferred = 0;                         // the last that answered

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    if (options.endpoints.empty()) throw Error(Exit::config, "etcd: no endpoint given");
    if (options.timeout.count() <= 0)
      throw Error(Exit::config, "etcd: the timeout must be above 0");
    options.retries = std::max(options.retries, 0);
    quiet_grpc_logs();
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (options.ca) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = read_file(*options.ca, "CA file");
      if (options.cert) ssl.pem_cert_chain = read_file(*options.cert, "client certificate");
      if (options.key) ssl.pem_private_key = read_file(*options.key, "client key");
      credentials = grpc::SslCredentials(ssl);
    } else {
      if (options.cert || options.key)
        throw Error(Exit::config, "etcd: a client certificate needs a CA file too (TLS)");
      credentials = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments args;
    // A node that comes back is used again within a second, not after
    // gRPC's default backoff of up to two minutes. (Not
    // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: despite its name, gRPC takes it as
    // the shortest time a connection may take to set up, TLS included.)
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    // Each channel its own connection, even to the same address.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    for (const auto& endpoint : options.endpoints)
      stubs.push_back(
          pb::KV::NewStub(grpc::CreateCustomChannel(target_of(endpoint), credentials, args)));
  }

  // Runs `call(stub, context)` on the endpoints in turn, as the class
  // comment says. `call` returns the gRPC status.
  template <typename Call>
  void run(const char* what, std::size_t request_bytes, Call&& call,
           std::optional<std::chrono::milliseconds> budget_given = std::nullopt) {
    if (request_bytes >= max_request_bytes)
      throw Error(Exit::io, std::string("etcd ") + what + ": a request of " +
                                std::to_string(request_bytes) + " bytes, over etcd's limit of " +
                                std::to_string(max_request_bytes));
    // The budget is on the monotonic clock (the deadlines gRPC is given are
    // taken from the system clock at each try).
    using Clock = std::chrono::steady_clock;
    const auto budget = budget_given ? *budget_given : options.timeout * (options.retries + 1);
    const auto give_up = Clock::now() + budget;
    std::string last;
    auto pause = std::chrono::milliseconds(100);
    for (int round = 0; round <= options.retries; ++round) {
      if (round > 0) {
        const auto left = give_up - Clock::now();
        if (left <= pause) break;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(1000));
      }
      for (std::size_t i = 0; i < stubs.size(); ++i) {
        const auto now = Clock::now();
        if (now >= give_up) break;
        const std::size_t index = (preferred + i) % stubs.size();
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::min<Clock::duration>(options.timeout, give_up - now));
        const grpc::Status status = call(*stubs[index], context);
        if (status.ok()) {
          preferred = index;
          return;
        }
        const auto code = status.error_code();
        last = options.endpoints[index] + ": " + status.error_message();
        // Refused for who we are: the configuration's to mend (78). Too busy
        // for now: try again later (75), as when no node answers.
        if (code == grpc::StatusCode::UNAUTHENTICATED ||
            code == grpc::StatusCode::PERMISSION_DENIED)
          throw Error(Exit::config, std::string("etcd ") + what + " refused by " + last +
                                        " (check [store] cert, key and etcd's roles)");
        // etcd out of space (its NOSPACE alarm, which lasts until an
        // operator compacts, defragments and disarms it) is a full disk:
        // 74. Too many requests is one node's: the next may answer, as
        // after a timeout.
        if (code == grpc::StatusCode::RESOURCE_EXHAUSTED &&
            status.error_message().find("space exceeded") != std::string::npos)
          throw Error(Exit::io, std::string("etcd ") + what + " refused by " + last +
                                    " (etcd is out of space: compact, defragment and disarm "
                                    "its NOSPACE alarm)");
        if (!timed_out(status) && code != grpc::StatusCode::RESOURCE_EXHAUSTED)
          throw Error(Exit::io, std::string("etcd ") + what + " refused by " + last);
      }
    }
    throw Error(
        Exit::temp_fail,
        std::string("etcd ") + what + ": no answer from " + joined(options.endpoints) + " within " +
            std::to_string(budget.count()) + " ms (" + std::to_string(options.retries + 1) +
            " rounds; last: " + last + ")" +
            (options.ca ? "; over TLS, a certificate refused by either side looks the same" : ""));
  }

  pb::TxnResponse txn(const pb::TxnRequest& request, const char* what) {
    // etcd counts the compares and each branch's ops against the limit.
    const int most =
        std::max({request.compare_size(), request.success_size(), request.failure_size()});
    if (static_cast<std::size_t>(most) > max_txn_ops)
      throw Error(Exit::io, std::string("etcd ") + what + ": a txn of " + std::to_string(most) +
                                " compares or operations in one branch, over etcd's limit of " +
                                std::to_string(max_txn_ops));
    pb::TxnResponse response;
    run(what, request.ByteSizeLong(), [&](pb::KV::Stub& stub, grpc::ClientContext& context) {
      response.Clear();
      return stub.Txn(&context, request, &response);
    });
    return response;
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const {
  return impl_->options;
}

GetResult Client::get(const std::string& key) {
  return get(key, impl_->options.timeout * (impl_->options.retries + 1));
}

GetResult Client::get(const std::string& key, std::chrono::milliseconds budget) {
  const RangeResult found = range(key, "", 1, 0, budget);
  GetResult result;
  result.revision = found.revision;
  if (!found.kvs.empty()) result.kv = found.kvs.front();
  return result;
}

GetManyResult Client::get_many(const std::vector<std::string>& keys) {
  pb::TxnRequest request;
  for (const auto& key : keys) {
    auto* range = request.add_success()->mutable_request_range();
    range->set_key(key);
  }
  const pb::TxnResponse response = impl_->txn(request, "read");
  GetManyResult result;
  result.revision = response.header().revision();
  if (response.responses_size() != static_cast<int>(keys.size()))
    throw Error(Exit::io, "etcd answered a read of " + std::to_string(keys.size()) + " keys with " +
                              std::to_string(response.responses_size()) + " results");
  for (const auto& one : response.responses()) {
    const auto& kvs = one.response_range().kvs();
    result.kvs.push_back(kvs.empty() ? std::nullopt : std::optional(from_pb(kvs[0])));
  }
  return result;
}

RangeResult Client::range(const std::string& key, const std::string& range_end, std::int64_t limit,
                          std::int64_t revision, std::optional<std::chrono::milliseconds> budget) {
  pb::RangeRequest request;
  request.set_key(key);
  request.set_range_end(range_end);
  request.set_limit(limit);
  request.set_revision(revision);
  pb::RangeResponse response;
  impl_->run(
      "read", request.ByteSizeLong(),
      [&](pb::KV::Stub& stub, grpc::ClientContext& context) {
        response.Clear();
        return stub.Range(&context, request, &response);
      },
      budget);
  RangeResult result;
  result.revision = revision != 0 ? revision : response.header().revision();
  result.more = response.more();
  for (const auto& kv : response.kvs()) result.kvs.push_back(from_pb(kv));
  return result;
}

TxnResult Client::txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                      const std::vector<Op>& failure) {
  pb::TxnRequest request;
  for (const auto& compare : compares) to_pb(compare, *request.add_compare());
  for (const auto& op : success) to_pb(op, *request.add_success());
  for (const auto& op : failure) to_pb(op, *request.add_failure());
  const pb::TxnResponse response = impl_->txn(request, "txn");
  TxnResult result;
  result.succeeded = response.succeeded();
  result.revision = response.header().revision();
  for (const auto& one : response.responses()) result.results.push_back(from_pb(one));
  return result;
}

std::int64_t Client::put(const std::string& key, const std::string& value) {
  pb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  pb::PutResponse response;
  impl_->run("write", request.ByteSizeLong(),
             [&](pb::KV::Stub& stub, grpc::ClientContext& context) {
               response.Clear();
               return stub.Put(&context, request, &response);
             });
  return response.header().revision();
}

std::int64_t Client::del(const std::string& key) {
  pb::DeleteRangeRequest request;
  request.set_key(key);
  pb::DeleteRangeResponse response;
  impl_->run("delete", request.ByteSizeLong(),
             [&](pb::KV::Stub& stub, grpc::ClientContext& context) {
               response.Clear();
               return stub.DeleteRange(&context, request, &response);
             });
  return response.deleted();
}

}  // namespace provlock::store::etcd
