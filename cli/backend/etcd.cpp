// provlock-etcd's side of cli/store_backend.hpp: the etcd store over gRPC
// (TLS, client certificates, host names).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/backend/etcd_open.hpp"
#include "cli/store_backend.hpp"
#include "lib/error.hpp"
#include "store/etcd/etcd_grpc.hpp"

namespace provlock::cli {

void remember_arguments(int, char**) {}

int command_done(int code) {
#if defined(__SANITIZE_ADDRESS__)
  return code;
#else
  std::cout.flush();
  std::fflush(stdout);
  if (!std::cout || std::ferror(stdout)) return code;  // main reports the failed write
  std::_Exit(code);
#endif
}

std::unique_ptr<store::Store> open_etcd_store(const std::string& url, const Config& config, bool) {
  return open_etcd(url, config, store::etcd::grpc_transport);
}

}  // namespace provlock::cli
