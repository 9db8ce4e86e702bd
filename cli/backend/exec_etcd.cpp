// provlock's side of cli/store_backend.hpp: an etcd store is provlock-etcd's
// to open.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "cli/store_backend.hpp"
#include "lib/error.hpp"

namespace provlock::cli {

namespace {
std::vector<char*> g_arguments;
}

void remember_arguments(int argc, char** argv) {
  g_arguments.assign(argv, argv + argc);
  g_arguments.push_back(nullptr);
}

std::unique_ptr<store::Store> open_etcd_store(const std::string& url, const Config&, bool again) {
  if (again)
    throw Error(Exit::config, "the store is now " + provlock::quoted(url) +
                                  ", an etcd store, which this running provlock cannot switch "
                                  "to: restart it");
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

store::FsckSummary fsck_etcd(store::Store&, bool, UnixTime,
                             const std::function<void(const store::FsckFinding&)>&) {
  throw Error(Exit::internal, "fsck of an etcd store outside provlock-etcd");
}

}  // namespace provlock::cli
