// The etcd client's transport a test driver uses: ETCD_TRANSPORT=http in the
// environment takes etcd's JSON gateway (store/etcd/etcd_http.hpp), any
// other value or none gRPC (store/etcd/etcd_grpc.hpp). Said once on stderr,
// so that a step's output shows which ran.
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>

#include "store/etcd/etcd_grpc.hpp"
#include "store/etcd/etcd_http.hpp"

inline provlock::store::etcd::TransportFactory chosen_transport() {
  const char* which = std::getenv("ETCD_TRANSPORT");
  const bool http = which && std::string(which) == "http";
  static const bool said = [&] {
    std::cerr << "(transport: " << (http ? "JSON gateway" : "gRPC") << ")\n";
    return true;
  }();
  (void)said;
  if (http) return provlock::store::etcd::http_transport;
  return provlock::store::etcd::grpc_transport;
}
