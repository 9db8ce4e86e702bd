// The file primitives of the store: every open is relative to a directory
// descriptor and carries O_NOFOLLOW, so a symlink planted in the store is an
// error, never a detour.
#include "store/fs.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "lib/error.hpp"

namespace provlock::store {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

// close(2) is not retried on EINTR: on Linux the descriptor is gone either way.
// Paths that must learn about a deferred write error (NFS reports them at
// close) call close_checked instead.
Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

[[noreturn]] void fail(Exit code, const std::string& what, int err) {
  throw Error(code, what + ": " + std::strerror(err));
}

[[noreturn]] void fail_symlink(const std::string& display) {
  throw Error(Exit::io, display + " is a symlink; provlock never follows links inside the store");
}

// A name handed to an *at() call must be exactly one component: a '/' would
// let the kernel walk (and follow links in) intermediate directories that
// O_NOFOLLOW does not cover.
void check_name(const std::string& name, const std::string& display) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    throw Error(Exit::io, "invalid store entry name for " + display);
  }
}

// O_NOFOLLOW reports a trailing symlink as ELOOP (or, combined with
// O_DIRECTORY on some kernels, ENOTDIR); look again without following to give
// the operator the real reason.
bool is_symlink(int dirfd, const std::string& name) {
  struct stat st {};
  return ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

void close_checked(Fd& fd, const std::string& what) {
  if (::close(fd.release()) != 0 && errno != EINTR) fail(Exit::io, what, errno);
}

// Writes all of `data`, resuming after partial writes and signals. A write
// that makes no progress without an error is reported as EIO rather than
// looping forever.
void write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(Exit::io, what, errno);
    }
    if (n == 0) fail(Exit::io, what, EIO);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The random part of a temporary name. O_EXCL already makes a clash safe;
// randomness only makes one unlikely, so a failing getrandom (very old kernel,
// seccomp) falls back to a per-process counter mixed with the clock.
std::string random_hex() {
  std::uint64_t value = 0;
  if (::getrandom(&value, sizeof value, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof value)) {
    static std::atomic<std::uint64_t> counter{0};
    auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    value = static_cast<std::uint64_t>(ticks) * 0x9e3779b97f4a7c15ULL + (++counter);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4)
    hex[static_cast<std::size_t>(i)] = kDigits[value & 0xf];
  return hex;
}

// Creates directory `name` beneath `dirfd` and gives it kDirMode; mkdir's mode
// argument is filtered by the umask and cannot carry the setgid bit, so the
// mode is set on the opened directory. Returns false if someone else created
// it first (any process may create store directories concurrently).
bool make_dir(int dirfd, const std::string& name, const std::string& display) {
  if (::mkdirat(dirfd, name.c_str(), kDirMode & 0777) != 0) {
    if (errno == EEXIST) return false;
    fail(Exit::cant_create, "cannot create " + display, errno);
  }
  Fd dir(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) fail(Exit::cant_create, "cannot create " + display, errno);
  if (::fchmod(dir.get(), kDirMode) != 0)
    fail(Exit::cant_create, "cannot create " + display, errno);
  // The new entry in the parent must itself survive a crash, or so would
  // not the records written into it later.
  if (::fsync(dirfd) != 0) fail(Exit::io, "cannot sync the directory holding " + display, errno);
  return true;
}

}  // namespace

Fd open_root(const std::string& path, bool create) {
  if (path.empty()) throw Error(Exit::io, "store path is empty");
  if (!create) {
    Fd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) fail(Exit::io, "cannot open store " + path, errno);
    return root;
  }
  // Walk the path one component at a time, following links (the operator
  // chose this path) and creating what is missing. Working from descriptors
  // keeps each step anchored to the directory just opened.
  Fd current(::open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!current.valid()) fail(Exit::io, "cannot open store " + path, errno);
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string component = path.substr(pos, end - pos);
    std::string prefix = path.substr(0, end);
    pos = end + 1;
    if (component.empty() || component == ".") continue;
    for (;;) {
      Fd next(::openat(current.get(), component.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (next.valid()) {
        current = std::move(next);
        break;
      }
      if (errno != ENOENT) fail(Exit::io, "cannot open store " + prefix, errno);
      // Then open what we or a rival made. Something that exists yet opens
      // as missing is a link to nowhere; creating its target is not ours to do.
      if (!make_dir(current.get(), component, prefix) && is_symlink(current.get(), component)) {
        throw Error(Exit::io,
                    "cannot open store " + prefix + ": it is a link to a missing directory");
      }
    }
  }
  return current;
}

Fd open_dir(int dirfd, const std::string& name, bool create, const std::string& display) {
  check_name(name, display);
  for (;;) {
    Fd dir(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.valid()) return dir;
    int err = errno;
    if (err == ENOENT) {
      if (!create) return Fd();
      make_dir(dirfd, name, display);
      continue;
    }
    if ((err == ELOOP || err == ENOTDIR) && is_symlink(dirfd, name)) fail_symlink(display);
    if (err == ENOTDIR) throw Error(Exit::io, display + " is not a directory");
    fail(Exit::io, "cannot open " + display, err);
  }
}

Fd open_to_read(int dirfd, const std::string& name, const std::string& display, int flags) {
  check_name(name, display);
  // O_NONBLOCK so that a FIFO planted under a record's name cannot hang the
  // open; it is refused below like any other non-regular file.
  Fd file(::openat(dirfd, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!file.valid()) {
    if (errno == ENOENT) return file;
    if (errno == ELOOP && is_symlink(dirfd, name)) fail_symlink(display);
    fail(Exit::io, "cannot read " + display, errno);
  }
  return file;
}

std::string read_whole(int fd, const std::string& display, std::size_t max_bytes) {
  // Most records are a few hundred bytes. A read into a small buffer that
  // comes back short, with something in it, is taken for the whole file
  // (on a local file system a regular file's read stops short only at its
  // end; FUSE with direct_io may stop short anywhere: see fs.hpp), and
  // spares the fstat: a FastCGI process reads two or three records per
  // request. Nothing read (an empty file, a FIFO), a full buffer or an
  // error takes the careful way below, which tells what the file is.
  {
    char small[4096];
    const ssize_t n = ::pread(fd, small, sizeof small, 0);
    if (n > 0 && static_cast<std::size_t>(n) < sizeof small &&
        static_cast<std::size_t>(n) <= max_bytes)
      return std::string(small, static_cast<std::size_t>(n));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(Exit::io, "cannot read " + display, errno);
  if (!S_ISREG(st.st_mode)) throw Error(Exit::io, display + " is not a regular file");
  std::string too_large = display + " is larger than " + std::to_string(max_bytes) + " bytes";
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) throw Error(Exit::io, too_large);

  // Read to end of file rather than trusting st_size: an appended-to file
  // (the journal) may grow in between, and the limit still holds.
  std::string content;
  content.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == content.size()) {
      if (used > max_bytes) throw Error(Exit::io, too_large);
      content.resize(std::max<std::size_t>(content.size() * 2, 4096));
    }
    ssize_t n = ::pread(fd, content.data() + used, content.size() - used, static_cast<off_t>(used));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(Exit::io, "cannot read " + display, errno);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    // Less than asked for, and all that fstat saw: taken for the end of the
    // file (a short read before it, as FUSE with direct_io may return, reads
    // on). Files of /proc, whose size reads as 0, are read until a read
    // returns nothing.
    if (used < content.size() && st.st_size > 0 && used >= static_cast<std::size_t>(st.st_size))
      break;
  }
  if (used > max_bytes) throw Error(Exit::io, too_large);
  content.resize(used);
  return content;
}

std::optional<std::string> read_file(int dirfd, const std::string& name, const std::string& display,
                                     std::size_t max_bytes) {
  Fd file = open_to_read(dirfd, name, display, O_RDONLY);
  if (!file.valid()) return std::nullopt;
  return read_whole(file.get(), display, max_bytes);
}

void overwrite_at_start(int fd, std::string_view content, const std::string& display,
                        std::optional<std::uint64_t> size) {
  const std::string what = "cannot write " + display;
  if (!size) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(Exit::io, what, errno);
    if (!S_ISREG(st.st_mode)) throw Error(Exit::io, display + " is not a regular file");
    size = static_cast<std::uint64_t>(st.st_size);
  }
  // Claim the space first, so that a full disk refuses the write before a
  // byte of the old contents is overwritten (Linux's fallocate, not
  // posix_fallocate, which emulates by writing). File systems without it go
  // on; their readers still tell a torn file by its header.
  if (*size < content.size() && ::fallocate(fd, 0, 0, static_cast<off_t>(content.size())) != 0 &&
      errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
    fail(Exit::io, what, errno);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n =
        ::pwrite(fd, content.data() + done, content.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(Exit::io, what, n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
}

namespace {

// Writes `content` to a new temporary file beside `name`, flushed or not, and
// returns the temporary file's name. On failure nothing is left behind.
std::string write_temp_file(int dirfd, const std::string& name, std::string_view content,
                            bool flush, const std::string& display) {
  check_name(name, display);
  const std::string what = "cannot write " + display;
  std::string temp;
  Fd file;
  for (int attempt = 0; !file.valid(); ++attempt) {
    temp = ".tmp." + name + "." + std::to_string(::getpid()) + "." + random_hex();
    file = Fd(::openat(dirfd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       kFileMode & 0777));
    if (!file.valid() && (errno != EEXIST || attempt == 8)) {
      fail(Exit::cant_create, "cannot create " + display, errno);
    }
  }
  try {
    write_all(file.get(), content, what);
    if (::fchmod(file.get(), kFileMode) != 0) fail(Exit::io, what, errno);
    if (flush && ::fdatasync(file.get()) != 0) fail(Exit::io, what, errno);
    close_checked(file, what);
  } catch (...) {
    ::unlinkat(dirfd, temp.c_str(), 0);
    throw;
  }
  return temp;
}

}  // namespace

void write_file_atomic(int dirfd, const std::string& name, std::string_view content,
                       Durability durability, const std::string& display) {
  // Always flushed before the rename, even when relaxed: renaming unflushed
  // data over a record lets a power cut leave an empty file where the record
  // was (XFS and others do not order the two). Relaxed only skips the
  // directory flush, whose loss brings back the old record.
  const std::string temp = write_temp_file(dirfd, name, content, true, display);
  if (::renameat(dirfd, temp.c_str(), dirfd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dirfd, temp.c_str(), 0);
    fail(Exit::io, "cannot write " + display, err);
  }
  // The rename is done; a failure to sync the directory can no longer bring
  // the old file back, but it must still be reported: the new one may not
  // survive a crash.
  if (durability == Durability::durable) sync_fd(dirfd, display);
}

std::string write_unflushed_temp(int dirfd, const std::string& name, std::string_view content,
                                 const std::string& display) {
  return write_temp_file(dirfd, name, content, false, display);
}

Fd open_or_create(int dirfd, const std::string& name, int flags, const std::string& display,
                  bool& created, bool likely_missing) {
  check_name(name, display);
  const std::string what = "cannot write " + display;
  const int open_flags = flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  created = false;
  Fd file;
  // Opening and creating take turns until one succeeds: a file made or
  // removed by another process in between is met by the other.
  for (bool create = likely_missing;; create = !create) {
    if (create) {
      file = Fd(::openat(dirfd, name.c_str(), open_flags | O_CREAT | O_EXCL, kFileMode & 0777));
      if (file.valid()) {
        created = true;
        break;
      }
      if (errno != EEXIST) fail(Exit::cant_create, "cannot create " + display, errno);
    } else {
      file = Fd(::openat(dirfd, name.c_str(), open_flags));
      if (file.valid()) break;
      if (errno != ENOENT) {
        if (errno == ELOOP && is_symlink(dirfd, name)) fail_symlink(display);
        fail(Exit::io, what, errno);
      }
    }
  }
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) fail(Exit::io, what, errno);
  if (!S_ISREG(st.st_mode)) throw Error(Exit::io, display + " is not a regular file");
  if (created && ::fchmod(file.get(), kFileMode) != 0) fail(Exit::io, what, errno);
  return file;
}

void overwrite_in_place(int dirfd, const std::string& name, std::string_view content,
                        const std::string& display, bool likely_missing) {
  bool created = false;
  Fd file = open_or_create(dirfd, name, O_WRONLY, display, created, likely_missing);
  try {
    overwrite_at_start(file.get(), content, display,
                       created ? std::optional<std::uint64_t>(0) : std::nullopt);
  } catch (...) {
    // A file this call made and could not fill is no version at all.
    if (created) ::unlinkat(dirfd, name.c_str(), 0);
    throw;
  }
  close_checked(file, "cannot write " + display);
}

void remove_file(int dirfd, const std::string& name, Durability durability,
                 const std::string& display) {
  check_name(name, display);
  if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
    fail(Exit::io, "cannot remove " + display, errno);
  }
  if (durability == Durability::durable) sync_fd(dirfd, display);
}

Fd open_for_append(int dirfd, const std::string& name, const std::string& display, bool& created) {
  return open_or_create(dirfd, name, O_WRONLY | O_APPEND, display, created);
}

void append_to(int fd, std::string_view line, Durability durability, const std::string& display) {
  if (line.empty() || line.back() != '\n') {
    throw Error(Exit::io, "internal error: line for " + display + " does not end in a newline");
  }
  const std::string what = "cannot write " + display;
  // O_APPEND makes each write(2) land at the end as one piece; a regular
  // file takes the whole line at once unless the disk fills or a signal
  // arrives mid-write, and only then does the loop continue the line.
  // A full disk can take part of a line and refuse the rest. The part is cut
  // back off (unless someone appended behind it meanwhile), so the journal
  // never holds a line cut short that the next line runs into.
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : EIO;
    struct stat now {};
    // With O_APPEND the offset is the end of our last write.
    const off_t end = ::lseek(fd, 0, SEEK_CUR);
    if (written > 0 && end >= 0 && ::fstat(fd, &now) == 0 && now.st_size == end)
      (void)!::ftruncate(fd, end - static_cast<off_t>(written));
    fail(Exit::io, what, err);
  }
  if (durability == Durability::durable && ::fdatasync(fd) != 0) fail(Exit::io, what, errno);
}

void append_line(int dirfd, const std::string& name, std::string_view line, Durability durability,
                 const std::string& display) {
  bool created = false;
  Fd file = open_for_append(dirfd, name, display, created);
  append_to(file.get(), line, durability, display);
  if (durability == Durability::durable && created) sync_fd(dirfd, display);
  close_checked(file, "cannot write " + display);
}

bool is_temp_name(std::string_view name) {
  // ".tmp." <name> "." <pid digits> "." <hex>, read from the end because
  // <name> itself contains dots.
  constexpr std::string_view kPrefix = ".tmp.";
  if (!name.starts_with(kPrefix)) return false;
  name.remove_prefix(kPrefix.size());
  auto last_dot = name.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  std::string_view random = name.substr(last_dot + 1);
  name = name.substr(0, last_dot);
  auto pid_dot = name.rfind('.');
  if (pid_dot == std::string_view::npos) return false;
  std::string_view pid = name.substr(pid_dot + 1);
  std::string_view target = name.substr(0, pid_dot);
  auto all_of = [](std::string_view s, const char* set) {
    return !s.empty() && s.find_first_not_of(set) == std::string_view::npos;
  };
  return !target.empty() && all_of(pid, "0123456789") && all_of(random, "0123456789abcdef");
}

void sync_fd(int fd, const std::string& display) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) fail(Exit::io, "cannot sync " + display, errno);
  }
}

}  // namespace provlock::store
