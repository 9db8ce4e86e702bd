// Record locks: one kernel lock per record, held while a record is read,
// changed and written back.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "store/fs.hpp"

namespace provlock::store {

// An exclusive lock on one record key within one directory.
//
// The lock is an open-file-description (OFD) byte-range lock on the
// directory's lock file ".lock" (created with kFileMode, never renamed or
// removed), on the one byte at an offset derived from a 62-bit hash of `key`.
// It is never taken on the record file itself, because rename replaces that
// file and a lock on the replaced inode protects nothing. OFD locks are
// released by the kernel when the process dies, and are honoured by NFSv4 as
// POSIX byte-range locks. Two keys whose hashes collide merely share a lock.
//
// A RecordLock made from a directory opens ".lock" anew, so two such locks
// conflict even within one process (or thread). One made on a shared lock
// file (RecordLock::Shared, as FileStore does) does not conflict with
// another on the same descriptor: never take a second lock on a key whose
// lock the process already holds, either way (the first would wait out its
// timeout, the second would silently share, and its release would end the
// first). A child forked while
// a lock is held shares the open file description and so keeps the lock
// until it exits or execs (the descriptor is close-on-exec); fork while
// holding a lock only to exec.
//
// Waits at most `timeout` (polling with a short, growing, jittered
// back-off), then throws Error(Exit::temp_fail) naming `display`. Failing to
// create the lock file throws Error(Exit::cant_create), any other failure
// Error(Exit::io).
class RecordLock {
 public:
  RecordLock(int dirfd, std::string_view key, std::chrono::milliseconds timeout,
             const std::string& display);
  // The same lock on a lock file the caller keeps open (open_lock_file) for
  // many locks, one at a time: the destructor unlocks the byte itself. Locks
  // taken through one descriptor do not exclude each other, so the caller
  // must not hold two at once on one key (FileStore never nests locks).
  struct Shared {
    int lock_file;
  };
  RecordLock(Shared shared, std::string_view key, std::chrono::milliseconds timeout,
             const std::string& display);
  // A lock on a range of a shared lock file instead of one key's byte:
  // FileStore's listing snapshots lock every key of a folder at once
  // ([0, kKeyRange)) and take a byte beyond the keys for themselves.
  struct Range {
    off_t start;
    off_t length;
  };
  static constexpr off_t kKeyRange = off_t{1} << 62;  // every key's byte lies below
  RecordLock(Shared shared, Range range, std::chrono::milliseconds timeout,
             const std::string& display);
  RecordLock(int dirfd, Range range, std::chrono::milliseconds timeout, const std::string& display);
  RecordLock(RecordLock&& other) noexcept;
  RecordLock& operator=(RecordLock&& other) noexcept;  // releases this lock first
  RecordLock(const RecordLock&) = delete;
  ~RecordLock();  // unlocks

 private:
  void release() noexcept;
  void lock(int fd, Range range, std::chrono::milliseconds timeout, const std::string& display);

  Fd own_file_;           // the lock file opened for this lock alone, if so
  int shared_file_ = -1;  // the caller's lock file, if so
  Range range_{0, 1};
};

// Opens (creating if needed) the lock file ".lock" of the directory `dirfd`
// for writing, as F_WRLCK requires. Throws as RecordLock does; `display`
// names the record the lock is for.
Fd open_lock_file(int dirfd, const std::string& display);

}  // namespace provlock::store
