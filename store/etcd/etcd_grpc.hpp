// The etcd client's transport over etcd's own gRPC API (etcd_client.hpp's
// Transport): TLS with the CA and client certificate of ClientOptions, the
// client's deadline handed on to etcd. gRPC starts its threads and a
// connection per endpoint at the first call; a process that links this
// pays gRPC's and protobuf's static initialisers at every start
// (bench/RESULTS.md), which is why provlock itself does not.
#pragma once

#include <memory>

#include "store/etcd/etcd_client.hpp"

namespace provlock::store::etcd {

std::unique_ptr<Transport> grpc_transport(const ClientOptions& options);

}  // namespace provlock::store::etcd
