#include "cli/context.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include "cli/store_backend.hpp"
#include "lib/error.hpp"
#include "lib/passwd.hpp"
#include "store/file_store.hpp"

namespace provlock::cli {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string first_of(const std::string& a, const std::string& b) {
  return a.empty() ? b : a;
}

// Reads a file of at most 1 MiB; nullopt if it does not exist. Errors name
// `what` and exit 78 (the files read this way are configuration).
std::optional<std::string> read_small_file(const std::string& path, const std::string& what) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Error(Exit::config, "cannot read " + what + ": " + std::strerror(errno));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      throw Error(Exit::config, "cannot read " + what + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) {
      close(fd);
      throw Error(Exit::config, what + " is larger than 1 MiB");
    }
  }
  close(fd);
  return text;
}

}  // namespace

store::Json who_am_i() {
  uid_t uid = getuid();
  std::string user = std::to_string(uid);
  try {
    if (auto passwd = read_small_file("/etc/passwd", "/etc/passwd"))
      if (auto name = user_name_of(*passwd, uid)) user = *name;
  } catch (const Error&) {
    // An unreadable /etc/passwd leaves the uid standing for the name.
  }
  return store::Json{{"user", user}, {"uid", uid}};
}

UnixTime clock_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string config_path(const Globals& globals) {
  return first_of(first_of(globals.config, env("PROVLOCK_CONFIG")), kDefaultConfigPath);
}

Config load_config(const Globals& globals) {
  std::string named = first_of(globals.config, env("PROVLOCK_CONFIG"));
  std::string path = first_of(named, kDefaultConfigPath);
  auto text = read_small_file(path, "config file " + path);
  if (!text) {
    if (!named.empty()) throw Error(Exit::config, "config file " + path + " does not exist");
    return Config{};
  }
  return parse_config(*text, path);
}

Context make_context(const Globals& globals, Reporter report) {
  Context ctx;
  ctx.globals = globals;
  ctx.report = std::move(report);
  ctx.config = load_config(globals);
  ctx.json = globals.json;
  std::string now = first_of(globals.now, env("PROVLOCK_NOW"));
  ctx.now_fixed = !now.empty();
  ctx.now = ctx.now_fixed ? parse_time(now) : clock_now();
  // Every stored time is one the records can hold (SPEC §2, bounds); `now`
  // is stored as it is by almost every command.
  if (ctx.now < kEarliestTime)
    throw Error(Exit::usage, "--now " + provlock::quoted(now) + " is before 1970-01-01T00:00:00Z");
  std::string root =
      first_of(first_of(globals.store, env("PROVLOCK_STORE")), ctx.config.store.path);
  ctx.identify = who_am_i;
  // Whether this process made a context before: a long-running front
  // re-makes it when its config changes.
  static bool again = false;
  if (is_etcd_url(root))
    ctx.store = open_etcd_store(root, ctx.config, again);
  else
    ctx.store = std::make_unique<store::FileStore>(
        root, std::chrono::milliseconds(ctx.config.store.lock_timeout_ms));
  again = true;
  return ctx;
}

}  // namespace provlock::cli
