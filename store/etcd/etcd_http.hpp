// The etcd client's transport over etcd's JSON gateway (etcd_client.hpp's
// Transport): POST /v3/kv/range and /v3/kv/txn, as HTTP/1.1 on the client
// port, one blocking socket per endpoint, kept open between calls. It
// links neither gRPC nor TLS, starts no thread, and sends its first request
// as soon as the connection is up, so a fresh process that makes one
// decision pays little more than the round trips (bench/etcd). etcd hands
// the call's deadline (the Grpc-Timeout header) on to its own wait.
//
// Plain text only, to endpoints given as IP addresses (a host name needs a
// resolver, which a static program does not carry): a store with a CA
// (TLS), or a host name, takes grpc_transport (etcd_grpc.hpp). The gateway
// is on in etcd unless it was started with --enable-grpc-gateway=false; an
// etcd without it answers 404, which is a refusal naming that flag.
#pragma once

#include <memory>
#include <string>

#include "store/etcd/etcd_client.hpp"

namespace provlock::store::etcd {

// Whether http_transport can reach the cluster of `options`: no TLS, every
// endpoint an IPv4 or IPv6 address.
bool http_transport_fits(const ClientOptions& options);

// Error(Exit::config) if it does not fit.
std::unique_ptr<Transport> http_transport(const ClientOptions& options);

// Standard base64 (RFC 4648, with padding), as protobuf's JSON has bytes.
std::string base64_encode(std::string_view bytes);
// Throws Error(Exit::io) on text that is not base64.
std::string base64_decode(std::string_view text);

}  // namespace provlock::store::etcd
