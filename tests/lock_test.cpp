// Tests of record locks with real processes: exclusion, timeout, release on
// death, and no lost update under contention.
#include "store/lock.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/error.hpp"
#include "store/fs.hpp"

namespace {

using namespace std::chrono_literals;
using provlock::Error;
using provlock::Exit;
using namespace provlock::store;
using Clock = std::chrono::steady_clock;

// A fresh directory under /tmp per test, removed at the end.
struct TempDir {
  std::string path;
  Fd fd;

  TempDir() {
    char templ[] = "/tmp/provlock-lock-test-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path = templ;
    fd = Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd.valid());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// A one-way signal between processes: the writer says "ready" once.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    ::close(read_end);
    ::close(write_end);
  }
  void signal() const {
    char byte = 1;
    while (::write(write_end, &byte, 1) < 0 && errno == EINTR) {
    }
  }
  bool wait() const {
    char byte = 0;
    ssize_t n;
    while ((n = ::read(read_end, &byte, 1)) < 0 && errno == EINTR) {
    }
    return n == 1;
  }
};

// A forked child running `body`, which ends with _exit(body's result), or 99
// if it threw. A child not waited for (a failed REQUIRE left the test early)
// is killed, so no failing test leaves a process behind holding a lock.
class Child {
 public:
  explicit Child(const std::function<int()>& body) : pid_(::fork()) {
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int code = 99;
      try {
        code = body();
      } catch (...) {
      }
      ::_exit(code);
    }
  }
  Child(Child&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  pid_t pid() const { return pid_; }

  // Exit status, or 128 + signal like a shell.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_;
};

// Whether another process could take the lock on `key` right now.
bool free_elsewhere(int dirfd, const std::string& key) {
  Child child([&] {
    try {
      RecordLock lock(dirfd, key, 0ms, key);
      return 0;
    } catch (const Error& error) {
      return error.code() == Exit::temp_fail ? 1 : 2;
    }
  });
  int status = child.wait();
  REQUIRE((status == 0 || status == 1));
  return status == 0;
}

// One process's share of the counter race: lock, read, increment, write.
int increment_counter(int dirfd, int times) {
  for (int i = 0; i < times; ++i) {
    RecordLock lock(dirfd, "counter", 60s, "counter");
    auto content = read_file(dirfd, "counter.json", "counter.json");
    long value = content ? std::stol(*content) : 0;
    write_file_atomic(dirfd, "counter.json", std::to_string(value + 1), Durability::relaxed,
                      "counter.json");
  }
  return 0;
}

long run_counter_race(int processes, int times) {
  TempDir dir;
  std::vector<Child> children;
  for (int p = 0; p < processes; ++p) {
    children.emplace_back([&] { return increment_counter(dir.fd.get(), times); });
  }
  for (Child& child : children) CHECK(child.wait() == 0);
  auto content = read_file(dir.fd.get(), "counter.json", "counter.json");
  REQUIRE(content.has_value());
  return std::stol(*content);
}

}  // namespace

TEST_CASE("a lock is taken, released and taken again") {
  TempDir dir;
  {
    RecordLock lock(dir.fd.get(), "001122aabbcc", 1s, "001122aabbcc");
    CHECK_FALSE(free_elsewhere(dir.fd.get(), "001122aabbcc"));
    CHECK(free_elsewhere(dir.fd.get(), "001122aabbcd"));  // another key is not held
  }
  CHECK(free_elsewhere(dir.fd.get(), "001122aabbcc"));
  RecordLock again(dir.fd.get(), "001122aabbcc", 0ms, "001122aabbcc");
}

TEST_CASE("the lock file is a regular file with mode 0664 whatever the umask") {
  mode_t old = ::umask(077);
  TempDir dir;
  { RecordLock lock(dir.fd.get(), "k", 1s, "k"); }
  ::umask(old);
  struct stat st {};
  REQUIRE(::fstatat(dir.fd.get(), ".lock", &st, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0664);
  CHECK(st.st_size == 0);  // byte-range locks need no bytes
}

TEST_CASE("a lock held by another process times out with Exit::temp_fail") {
  TempDir dir;
  Pipe held;
  Pipe done;
  Child holder([&] {
    RecordLock lock(dir.fd.get(), "001122aabbcc", 1s, "holder");
    held.signal();
    done.wait();
    return 0;
  });
  REQUIRE(held.wait());

  auto start = Clock::now();
  Error error = Error(Exit::ok, "");
  try {
    RecordLock lock(dir.fd.get(), "001122aabbcc", 300ms, "devices/cc/001122aabbcc.json");
    FAIL("the lock was obtained while another process held it");
  } catch (const Error& caught) {
    error = caught;
  }
  auto waited = Clock::now() - start;
  CHECK(error.code() == Exit::temp_fail);
  CHECK(std::string(error.what()) ==
        "lock on devices/cc/001122aabbcc.json not obtained within 300ms; try again");
  CHECK(waited >= 300ms);

  // Whole seconds read as seconds.
  try {
    RecordLock lock(dir.fd.get(), "001122aabbcc", 1000ms, "r.json");
    FAIL("the lock was obtained while another process held it");
  } catch (const Error& caught) {
    CHECK(std::string(caught.what()) == "lock on r.json not obtained within 1s; try again");
  }

  done.signal();
  CHECK(holder.wait() == 0);
  RecordLock lock(dir.fd.get(), "001122aabbcc", 1s, "r.json");
}

TEST_CASE("a waiter gets the lock once the holder lets go") {
  TempDir dir;
  Pipe held;
  Child holder([&] {
    RecordLock lock(dir.fd.get(), "k", 1s, "k");
    held.signal();
    ::usleep(200000);
    return 0;
  });
  REQUIRE(held.wait());
  auto start = Clock::now();
  RecordLock lock(dir.fd.get(), "k", 10s, "k");
  CHECK(Clock::now() - start < 10s);
  CHECK(holder.wait() == 0);
}

TEST_CASE("the lock of a process killed with SIGKILL is released") {
  TempDir dir;
  Pipe held;
  Child holder([&] {
    RecordLock lock(dir.fd.get(), "001122aabbcc", 1s, "holder");
    held.signal();
    for (;;) ::pause();
    return 0;
  });
  REQUIRE(held.wait());
  CHECK_FALSE(free_elsewhere(dir.fd.get(), "001122aabbcc"));
  REQUIRE(::kill(holder.pid(), SIGKILL) == 0);
  CHECK(holder.wait() == 128 + SIGKILL);
  RecordLock lock(dir.fd.get(), "001122aabbcc", 2s, "001122aabbcc");
}

TEST_CASE("a second lock on the same key in the same process waits") {
  TempDir dir;
  RecordLock first(dir.fd.get(), "k", 1s, "k");
  Error error = Error(Exit::ok, "");
  try {
    RecordLock second(dir.fd.get(), "k", 50ms, "k");
  } catch (const Error& caught) {
    error = caught;
  }
  CHECK(error.code() == Exit::temp_fail);
  RecordLock other(dir.fd.get(), "other key", 0ms, "other key");
}

TEST_CASE("moving a lock moves ownership; a moved-from lock unlocks nothing") {
  TempDir dir;
  std::optional<RecordLock> moved_to;
  {
    RecordLock original(dir.fd.get(), "a", 1s, "a");
    moved_to.emplace(std::move(original));
  }  // the moved-from original is destroyed here
  CHECK_FALSE(free_elsewhere(dir.fd.get(), "a"));

  // Move assignment releases the lock assigned over and keeps the new one.
  *moved_to = RecordLock(dir.fd.get(), "b", 1s, "b");
  CHECK(free_elsewhere(dir.fd.get(), "a"));
  CHECK_FALSE(free_elsewhere(dir.fd.get(), "b"));
  moved_to.reset();
  CHECK(free_elsewhere(dir.fd.get(), "b"));
}

TEST_CASE("a symlink planted as the lock file is refused") {
  TempDir dir;
  TempDir outside;
  std::string target = outside.path + "/target";
  REQUIRE(::symlinkat(target.c_str(), dir.fd.get(), ".lock") == 0);
  Error error = Error(Exit::ok, "");
  try {
    RecordLock lock(dir.fd.get(), "k", 1s, "devices/k.json");
  } catch (const Error& caught) {
    error = caught;
  }
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()).find("devices/k.json") != std::string::npos);
  CHECK(std::string(error.what()).find("symlink") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(target));
}

TEST_CASE("no update is lost when processes race on one record") {
  SUBCASE("2 processes") {
    CHECK(run_counter_race(2, 500) == 1000);
  }
  SUBCASE("8 processes") {
    CHECK(run_counter_race(8, 500) == 4000);
  }
}

TEST_CASE("a lock on a shared lock file excludes others and is released by its destructor") {
  TempDir dir;
  Fd shared = open_lock_file(dir.fd.get(), "k");
  {
    RecordLock first(RecordLock::Shared{shared.get()}, "a", 1s, "a");
    CHECK_FALSE(free_elsewhere(dir.fd.get(), "a"));
    CHECK(free_elsewhere(dir.fd.get(), "b"));
    // Another open of the lock file (another process, or an own lock) waits.
    Error error = Error(Exit::ok, "");
    try {
      RecordLock other(dir.fd.get(), "a", 0ms, "a");
    } catch (const Error& caught) {
      error = caught;
    }
    CHECK(error.code() == Exit::temp_fail);
    // One at a time through the same descriptor, for other keys.
    RecordLock second(RecordLock::Shared{shared.get()}, "b", 1s, "b");
    CHECK_FALSE(free_elsewhere(dir.fd.get(), "b"));
  }
  // Released, though the descriptor stays open.
  CHECK(free_elsewhere(dir.fd.get(), "a"));
  CHECK(free_elsewhere(dir.fd.get(), "b"));
  std::optional<RecordLock> moved;
  {
    RecordLock original(RecordLock::Shared{shared.get()}, "c", 1s, "c");
    moved.emplace(std::move(original));
  }
  CHECK_FALSE(free_elsewhere(dir.fd.get(), "c"));
  moved.reset();
  CHECK(free_elsewhere(dir.fd.get(), "c"));
}
