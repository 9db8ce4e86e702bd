#include "store/etcd/etcd_grpc.hpp"

#include <arpa/inet.h>
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <mutex>
#include <utility>

#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/etcdserver/etcdserverpb/rpc.pb.h"

namespace provlock::store::etcd {

namespace pb = etcdserverpb;

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

// The outcome of a call by its gRPC status.
Outcome outcome_of(const grpc::Status& status) {
  if (status.ok()) return {};
  const auto code = status.error_code();
  Outcome::Kind kind = Outcome::Kind::refused;
  if (timed_out(status))
    kind = Outcome::Kind::no_answer;
  else if (code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED)
    kind = Outcome::Kind::refused_for_who;
  else if (code == grpc::StatusCode::RESOURCE_EXHAUSTED)
    kind = status.error_message().find("space exceeded") != std::string::npos
               ? Outcome::Kind::no_space
               : Outcome::Kind::busy;
  return {kind, status.error_message()};
}

class GrpcTransport final : public Transport {
 public:
  explicit GrpcTransport(const ClientOptions& options) {
    quiet_grpc_logs();
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (options.ca) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = read_tls_file(*options.ca, "CA file");
      if (options.cert) ssl.pem_cert_chain = read_tls_file(*options.cert, "client certificate");
      if (options.key) ssl.pem_private_key = read_tls_file(*options.key, "client key");
      credentials = grpc::SslCredentials(ssl);
    } else {
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
      stubs_.push_back(
          pb::KV::NewStub(grpc::CreateCustomChannel(target_of(endpoint), credentials, args)));
  }

  Outcome range(std::size_t endpoint, const Op& op, std::int64_t revision,
                std::chrono::milliseconds timeout, RangeResult& out) override {
    pb::RangeRequest request;
    request.set_key(op.key);
    request.set_range_end(op.range_end);
    request.set_limit(op.limit);
    request.set_revision(revision);
    request.set_serializable(op.serializable);
    pb::RangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    const grpc::Status status = stubs_[endpoint]->Range(&context, request, &response);
    if (!status.ok()) return outcome_of(status);
    out.revision = response.header().revision();
    out.more = response.more();
    for (const auto& kv : response.kvs()) out.kvs.push_back(from_pb(kv));
    return {};
  }

  Outcome txn(std::size_t endpoint, const std::vector<Compare>& compares,
              const std::vector<Op>& success, const std::vector<Op>& failure,
              std::chrono::milliseconds timeout, TxnResult& out) override {
    pb::TxnRequest request;
    for (const auto& compare : compares) to_pb(compare, *request.add_compare());
    for (const auto& op : success) to_pb(op, *request.add_success());
    for (const auto& op : failure) to_pb(op, *request.add_failure());
    pb::TxnResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    const grpc::Status status = stubs_[endpoint]->Txn(&context, request, &response);
    if (!status.ok()) return outcome_of(status);
    out.succeeded = response.succeeded();
    out.revision = response.header().revision();
    for (const auto& one : response.responses()) out.results.push_back(from_pb(one));
    return {};
  }

 private:
  std::vector<std::unique_ptr<pb::KV::Stub>> stubs_;  // one per endpoint
};

}  // namespace

std::unique_ptr<Transport> grpc_transport(const ClientOptions& options) {
  return std::make_unique<GrpcTransport>(options);
}

}  // namespace provlock::store::etcd
