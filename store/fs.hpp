// The file primitives of the store. Everything is done relative to directory
// file descriptors and never follows a symlink inside the store, so a link
// planted in the store can neither redirect a read nor a write. Every `name`
// below must be a single path component (no '/', not "." or ".."); anything
// else throws Error(Exit::io), since the kernel would follow links in the
// intermediate directories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provlock::store {

// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Mode bits of everything the store creates: group-writable files, and
// setgid directories so that files inherit the store's group (www-data and
// root share one store). The process umask is not consulted; modes are set
// explicitly with fchmod.
inline constexpr unsigned kFileMode = 0664;
inline constexpr unsigned kDirMode = 02775;

// Opens the store's top directory. The path itself may be or contain a
// symlink (the operator chose it); with `create`, missing directories on the
// path are created with kDirMode, as `mkdir -p` would (a link to a missing
// directory is an error, its target is not created). Throws
// Error(Exit::cant_create) if it cannot be created, Error(Exit::io) if it
// cannot be opened, naming the path (or the part of it at fault).
Fd open_root(const std::string& path, bool create);

// Opens (and with `create`, creates) directory `name` (one component, no '/')
// beneath `dirfd` with O_NOFOLLOW. Returns an invalid Fd if it does not exist
// and `create` is false. Throws Error naming `display` (the path shown to the
// user) if `name` is a symlink or not a directory (Exit::io) or cannot be
// created (Exit::cant_create). Any number of processes may create the same
// directory at once; a new directory gets kDirMode and its entry is fsynced
// in `dirfd`, so records later written durably into it survive a crash.
Fd open_dir(int dirfd, const std::string& name, bool create, const std::string& display);

// Reads the whole regular file `name` beneath `dirfd`. Returns nullopt if it
// does not exist. Throws Error(Exit::io) naming `display` if it is a symlink,
// not a regular file, larger than `max_bytes`, or cannot be read. A FIFO or
// device planted under the name is refused without blocking.
std::optional<std::string> read_file(int dirfd, const std::string& name, const std::string& display,
                                     std::size_t max_bytes = 1 << 20);

// The two halves of read_file, for callers that keep the descriptor (to
// write the file after reading it): open_to_read returns an invalid Fd if
// `name` does not exist (`flags`: O_RDONLY or O_RDWR; O_NOFOLLOW and
// O_NONBLOCK are added), and read_whole reads it with pread from offset 0,
// with the checks of read_file. It takes a read that returns less than asked
// for as the end of the file when that read is the first (under 4 KiB) or
// reaches the size fstat gave, as local file systems allow; one that may
// return less before the end (FUSE with direct_io, which returns what the
// daemon replied) can make it return the file cut short. Otherwise it reads
// until a read returns nothing.
Fd open_to_read(int dirfd, const std::string& name, const std::string& display, int flags);
std::string read_whole(int fd, const std::string& display, std::size_t max_bytes = 1 << 20);

// Whether a write must reach stable storage before it returns. A relaxed
// record write is still flushed before its rename, so a power cut leaves the
// old record or the new one, never an empty file; it may lose the new one.
// A relaxed journal line may be lost, or cut short, by a power cut.
enum class Durability { durable, relaxed };

// Replaces `name` beneath `dirfd` with `content` atomically: readers see the
// old file or the new one, never a mixture, and a crash at any instant leaves
// one of the two. Writes a temporary file beside the target (see
// is_temp_name), checks every byte was written, sets kFileMode, fsyncs it
// (durable), renames it over `name`, then fsyncs the directory (durable). On
// any failure the temporary file is removed, the old file is untouched, and
// Error(Exit::io) (Exit::cant_create when the temporary file cannot be
// created) names `display` and the system's reason (e.g. "No space left on
// device"). A symlink planted as `name` is replaced by the rename, never
// written through. If only the final directory fsync fails, the new file is
// already in place; the error is still thrown because it may not survive a
// crash.
void write_file_atomic(int dirfd, const std::string& name, std::string_view content,
                       Durability durability, const std::string& display);

// For group commits of many new files: writes `content` to a temporary file
// beside `name` (see is_temp_name) WITHOUT flushing it, and returns the
// temporary file's name. The caller flushes the file system once (syncfs)
// before renaming any of them into place, and removes the ones it does not
// use. Throws like write_file_atomic, leaving nothing behind.
std::string write_unflushed_temp(int dirfd, const std::string& name, std::string_view content,
                                 const std::string& display);

// Overwrites `name` beneath `dirfd` in place from its first byte, creating it
// with kFileMode if needed, and flushes nothing: for the recent versions of
// records (recent.hpp), whose readers tell a torn or stale file by its header.
// Bytes beyond `content` of a longer old file stay; the header says where the
// content ends. Never follows a symlink. Throws Error(Exit::io) naming
// `display` (also for a non-regular file), Error(Exit::cant_create) when the
// file is missing and cannot be created.
// `likely_missing`: the caller saw no such file just now, so creating it is
// tried first (either way the outcome is the same).
void overwrite_in_place(int dirfd, const std::string& name, std::string_view content,
                        const std::string& display, bool likely_missing = false);

// overwrite_in_place on a descriptor already open for writing. `size`: the
// file's size when the caller knows it (it has just read the regular file
// through this descriptor, under a lock that keeps other writers out).
void overwrite_at_start(int fd, std::string_view content, const std::string& display,
                        std::optional<std::uint64_t> size = std::nullopt);

// Opens `name` beneath `dirfd` for writing (`flags`, e.g. O_RDWR, added to
// O_NOFOLLOW and O_NONBLOCK), creating it exclusively with kFileMode when it
// is missing, so that only the creator sets the mode: a mode an operator
// later chose for an existing file is left alone. Refuses a non-regular file
// (Error(Exit::io) naming `display`); Error(Exit::cant_create) when it cannot
// be created. `created` tells whether it was. `likely_missing`: try creating
// it first.
Fd open_or_create(int dirfd, const std::string& name, int flags, const std::string& display,
                  bool& created, bool likely_missing = false);

// Removes `name` beneath `dirfd` (no error if it is already gone), then
// fsyncs the directory when durable. Throws Error(Exit::io) naming `display`.
void remove_file(int dirfd, const std::string& name, Durability durability,
                 const std::string& display);

// Appends `line` (which must end in '\n') to `name` beneath `dirfd` with one
// write(2) on an O_APPEND descriptor, creating the file with kFileMode if
// needed; concurrent appenders never interleave within a line. Never follows
// a symlink. fdatasync when durable (and fsyncs the directory when the file
// was just created). Throws Error(Exit::io) naming `display`, also for a
// non-regular file or a line without its '\n', and Error(Exit::cant_create)
// when the file is missing and cannot be created. Only the creator sets the
// mode, so a mode an operator gave an existing file is left alone.
void append_line(int dirfd, const std::string& name, std::string_view line, Durability durability,
                 const std::string& display);

// The two halves of append_line, for a caller that keeps the file open
// across many lines (check --batch): open_for_append opens `name` for
// appending, creating it with kFileMode if missing (`created` tells), and
// refuses a non-regular file; append_to writes one line as append_line does
// (fdatasync when durable; the folder flush of a new file is the caller's).
Fd open_for_append(int dirfd, const std::string& name, const std::string& display, bool& created);
void append_to(int fd, std::string_view line, Durability durability, const std::string& display);

// Temporary files of write_file_atomic are named ".tmp.<name>.<pid>.<random>":
// they start with a dot and end in neither ".json" nor ".jsonl", so no scan
// ever mistakes one for a record. True exactly for such names: a non-empty
// <name>, decimal <pid> and lowercase-hex <random>. Only stale ones may be
// removed (old, or of a dead pid): removing a live one fails its writer.
bool is_temp_name(std::string_view name);

// fsync a directory (or any descriptor). Throws Error(Exit::io) naming display.
void sync_fd(int fd, const std::string& display);

}  // namespace provlock::store
