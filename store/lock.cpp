// Record locks on one byte of a directory's ".lock" file per record key.
#include "store/lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "lib/error.hpp"
#include "lib/hash.hpp"

namespace provlock::store {

namespace {

constexpr const char* kLockFileName = ".lock";

[[noreturn]] void fail(Exit code, const std::string& what, int err) {
  throw Error(code, what + ": " + std::strerror(err));
}

// The key's hash, masked to 62 bits so that offset + length stays far below
// the largest off_t.
off_t lock_offset(std::string_view key) {
  return static_cast<off_t>(fnv1a64(key) & 0x3fffffffffffffffULL);
}

std::string format_timeout(std::chrono::milliseconds timeout) {
  auto ms = timeout.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

// Only the creator sets the mode, as for the journal.
Fd open_lock_file(int dirfd, const std::string& display) {
  constexpr int kFlags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  const std::string what = "cannot open the lock file for " + display;
  for (;;) {
    Fd file(::openat(dirfd, kLockFileName, kFlags));
    if (file.valid()) {
      struct stat st {};
      if (::fstat(file.get(), &st) != 0) fail(Exit::io, what, errno);
      if (!S_ISREG(st.st_mode)) {
        throw Error(Exit::io, "the lock file for " + display + " is not a regular file");
      }
      return file;
    }
    if (errno == ELOOP) {
      throw Error(Exit::io, "the lock file for " + display +
                                " is a symlink; provlock never follows links inside the store");
    }
    if (errno != ENOENT) fail(Exit::io, what, errno);
    file = Fd(::openat(dirfd, kLockFileName, kFlags | O_CREAT | O_EXCL, kFileMode & 0777));
    if (file.valid()) {
      if (::fchmod(file.get(), kFileMode) != 0) fail(Exit::io, what, errno);
      return file;
    }
    if (errno != EEXIST)
      fail(Exit::cant_create, "cannot create the lock file for " + display, errno);
    // Created by another process in between: open that one.
  }
}

RecordLock::RecordLock(int dirfd, std::string_view key, std::chrono::milliseconds timeout,
                       const std::string& display)
    : own_file_(open_lock_file(dirfd, display)) {
  lock(own_file_.get(), {lock_offset(key), 1}, timeout, display);
}

RecordLock::RecordLock(Shared shared, std::string_view key, std::chrono::milliseconds timeout,
                       const std::string& display) {
  lock(shared.lock_file, {lock_offset(key), 1}, timeout, display);
  shared_file_ = shared.lock_file;
}

RecordLock::RecordLock(int dirfd, Range range, std::chrono::milliseconds timeout,
                       const std::string& display)
    : own_file_(open_lock_file(dirfd, display)) {
  lock(own_file_.get(), range, timeout, display);
}

RecordLock::RecordLock(Shared shared, Range range, std::chrono::milliseconds timeout,
                       const std::string& display) {
  lock(shared.lock_file, range, timeout, display);
  shared_file_ = shared.lock_file;
}

RecordLock::RecordLock(RecordLock&& other) noexcept
    : own_file_(std::move(other.own_file_)),
      shared_file_(std::exchange(other.shared_file_, -1)),
      range_(other.range_) {}

void RecordLock::lock(int fd, Range want, std::chrono::milliseconds timeout,
                      const std::string& display) {
  range_ = want;
  struct flock range {};
  range.l_type = F_WRLCK;
  range.l_whence = SEEK_SET;
  range.l_start = range_.start;
  range.l_len = range_.length;
  range.l_pid = 0;  // must be 0 for OFD locks

  // The deadline measures a wait, not policy time, so it is the one place in
  // the store that reads a clock; steady_clock is immune to clock changes.
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  // Polling rather than F_OFD_SETLKW, which can only be bounded with signals.
  // The first naps are short: a record is held for tens of microseconds (a
  // decision and its write), and a FastCGI process waiting longer idles.
  // The back-off grows so that a long wait costs little CPU, and is jittered
  // so that waiters started together do not retry in lockstep.
  auto backoff = std::chrono::microseconds(50);
  constexpr auto kMaxBackoff = std::chrono::microseconds(20000);
  std::optional<std::minstd_rand> jitter;
  for (;;) {
    if (::fcntl(fd, F_OFD_SETLK, &range) == 0) return;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EACCES) fail(Exit::io, "cannot lock " + display, errno);
    auto now = Clock::now();
    if (!deadline) deadline = now + timeout;  // the wait starts with the first refusal
    if (now >= *deadline) {
      throw Error(Exit::temp_fail, "lock on " + display + " not obtained within " +
                                       format_timeout(timeout) + "; try again");
    }
    if (!jitter)
      jitter.emplace(static_cast<std::uint_fast32_t>(::getpid()) ^
                     static_cast<std::uint_fast32_t>(now.time_since_epoch().count()));
    auto half = backoff.count() / 2;
    auto nap =
        std::chrono::microseconds(half + static_cast<decltype(half)>((*jitter)()) % (half + 1));
    std::this_thread::sleep_for(std::min<Clock::duration>(nap, *deadline - now));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

// Closing the last descriptor of an own lock file's open file description
// releases the lock (the Fd member does that); on a shared lock file the
// byte is unlocked explicitly, which cannot fail for a byte this descriptor
// holds but by a signal, and that is retried.
RecordLock::~RecordLock() {
  release();
}

RecordLock& RecordLock::operator=(RecordLock&& other) noexcept {
  if (this != &other) {
    release();
    own_file_ = std::move(other.own_file_);
    shared_file_ = std::exchange(other.shared_file_, -1);
    range_ = other.range_;
  }
  return *this;
}

void RecordLock::release() noexcept {
  own_file_ = Fd();
  if (shared_file_ < 0) return;
  struct flock range {};
  range.l_type = F_UNLCK;
  range.l_whence = SEEK_SET;
  range.l_start = range_.start;
  range.l_len = range_.length;
  while (::fcntl(shared_file_, F_OFD_SETLK, &range) != 0 && errno == EINTR) {
  }
  shared_file_ = -1;
}

}  // namespace provlock::store
