// provlock's side of cli/store_backend.hpp: a plain-text etcd store of IP
// addresses provlock opens itself, over etcd's JSON gateway
// (store/etcd/etcd_http.hpp); any other is provlock-etcd's to open, over
// gRPC.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "cli/store_backend.hpp"
#include "lib/error.hpp"
#if PROVLOCK_ETCD_HTTP
#include "cli/backend/etcd_open.hpp"
#include "store/etcd/etcd_http.hpp"
#endif

namespace provlock::cli {

namespace {
std::vector<char*> g_arguments;
}

void remember_arguments(int argc, char** argv) {
  g_arguments.assign(argv, argv + argc);
  g_arguments.push_back(nullptr);
}

std::unique_ptr<store::Store> open_etcd_store(const std::string& url, const Config& config,
                                              bool again) {
#if PROVLOCK_ETCD_HTTP
  // No exec, no gRPC: a fresh `check` on such a store takes a few
  // milliseconds more than on a directory store, against about four times
  // that through provlock-etcd (bench/etcd).
  if (store::etcd::http_transport_fits(etcd_options(url, config)))
    return open_etcd(url, config, store::etcd::http_transport);
#else
  (void)config;
#endif
  if (again)
    throw Error(Exit::config, "the store is now " + provlock::quoted(url) +
                                  ", an etcd store that provlock-etcd opens (TLS, or a host "
                                  "name), which this running provlock cannot switch to: "
                                  "restart it");
  // Beside this program (a build tree), then where the package puts it
  // relative to this program (/usr/bin/provlock: /usr/lib/provlock/), for
  // any install prefix.
  std::vector<std::string> tries;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<std::size_t>(n));
    dir.erase(dir.rfind('/') + 1);
    tries.push_back(dir + "provlock-etcd");
    tries.push_back(dir + "../lib/provlock/provlock-etcd");
  }
  std::string why;
  for (const std::string& path : tries) {
    if (g_arguments.empty()) break;
    execv(path.c_str(), g_arguments.data());
    const int e = errno;
    if (!why.empty()) why += ", ";
    why += path + ": " + std::strerror(e);
  }
  throw Error(Exit::config, "the store " + provlock::quoted(url) +
                                " is an etcd store, and the program that opens one, "
                                "provlock-etcd, cannot be started (" +
                                why + "); install it, or build provlock with PROVLOCK_ETCD");
}

int command_done(int code) {
  return code;
}

#if !PROVLOCK_ETCD_HTTP
store::FsckSummary fsck_etcd(store::Store&, bool, UnixTime,
                             const std::function<void(const store::FsckFinding&)>&) {
  throw Error(Exit::internal, "fsck of an etcd store in a provlock built without it");
}
#endif

}  // namespace provlock::cli
