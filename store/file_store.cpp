#include "store/file_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "lib/hash.hpp"
#include "lib/record_text.hpp"
#include "store/listing.hpp"
#include "store/lock.hpp"
#include "store/recent.hpp"

namespace provlock::store {
namespace {

constexpr const char* kRecordSuffix = ".json";
constexpr const char* kJournalSuffix = ".jsonl";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The names in a directory, from a descriptor we keep (readdir works on a dup).
std::vector<std::string> list_dir(int dirfd, const std::string& display) {
  int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) throw Error(Exit::io, "cannot read " + display + ": " + std::strerror(errno));
  DIR* dir = fdopendir(dup_fd);
  if (!dir) {
    close(dup_fd);
    throw Error(Exit::io, "cannot read " + display + ": " + std::strerror(errno));
  }
  rewinddir(dir);
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  closedir(dir);
  return names;
}

bool is_bucket_name(const std::string& name) {
  return name.size() == 2 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string day_of(UnixTime t) {
  return format_time(t).substr(0, 10);
}

// A record as it stands: its file, and its recent version when one is in
// force (recent.hpp).
struct Current {
  std::optional<std::string> file;  // the text of <key>.json
  bool has_recent = false;          // whether <key>.recent exists, in force or not
  std::uint64_t recent_size = 0;    // its size, as read
  bool recent_in_force = false;
  std::string recent;  // the record's text from <key>.recent, when in force

  bool exists() const { return file || recent_in_force; }
  const std::string& text() const { return recent_in_force ? recent : *file; }
};

// Reads the record `key` beneath `dirfd`. `may_have_recent` false skips
// looking for a recent version (a scan knows from the folder listing). With
// `recent_fd`, a recent version that exists is opened for writing too, and
// its descriptor kept there (the file is written again after a change).
Current read_current(int dirfd, const std::string& key, const std::string& display,
                     bool may_have_recent = true, Fd* recent_fd = nullptr) {
  Current c;
  c.file = read_file(dirfd, key + kRecordSuffix, display);
  if (!may_have_recent) return c;
  const std::string recent_name = key + std::string(kRecentSuffix);
  const std::string recent_display = display_recent(display);
  Fd fd = open_to_read(dirfd, recent_name, recent_display, recent_fd ? O_RDWR : O_RDONLY);
  if (!fd.valid()) return c;
  c.has_recent = true;
  const std::string recent_text = read_whole(fd.get(), recent_display);
  c.recent_size = recent_text.size();
  RecentVersion v = decode_recent(recent_text, c.file);
  if (v.status == RecentStatus::current) {
    c.recent_in_force = true;
    c.recent = std::move(v.content);
  }
  if (recent_fd) *recent_fd = std::move(fd);
  return c;
}

// Every key in a folder with a record file, a recent version, or both;
// mapped to whether it has a recent version.
std::map<std::string, bool> keys_in(int dirfd, const std::string& display) {
  std::map<std::string, bool> keys;
  for (const std::string& name : list_dir(dirfd, display)) {
    if (name[0] == '.') continue;
    if (ends_with(name, kRecordSuffix))
      keys.try_emplace(name.substr(0, name.size() - std::strlen(kRecordSuffix)), false);
    else if (ends_with(name, std::string(kRecentSuffix)))
      keys[name.substr(0, name.size() - kRecentSuffix.size())] = true;
  }
  return keys;
}

// The record `key` of the folder `dirfd` (whose path is `folder_path`) as it
// stands; nullopt if there is none. Throws Error(Exit::io) naming the file.
std::optional<Found> read_record(int dirfd, const std::string& folder_path, const std::string& key,
                                 bool has_recent) {
  const std::string display = folder_path + "/" + key + kRecordSuffix;
  Current c = read_current(dirfd, key, display, has_recent);
  if (!c.exists()) return std::nullopt;
  if (c.recent_in_force) return Found{std::move(c.recent), display_recent(display)};
  return Found{std::move(*c.file), display};
}

// Calls `visit` for every record of one folder, `on_error` for each that
// cannot be read.
void scan_folder(int dirfd, const std::string& folder_path, const Visit& visit,
                 const OnError& on_error) {
  for (const auto& [key, has_recent] : keys_in(dirfd, folder_path)) {
    std::optional<Found> found;
    try {
      found = read_record(dirfd, folder_path, key, has_recent);
    } catch (const Error& e) {
      on_error(e);
      continue;
    }
    if (found) visit(key, found->text, found->where);
  }
}

// What the snapshots of device folders hold: each record as one line (see
// snapshot_row). A new way of keeping them needs a new name, so that snapshots kept
// the old way are not read as the new (listing::Identity::form).
constexpr const char* kSnapshotForm = "device-text-1";

// A device record's text as one snapshot row: the text provlock writes for
// the device it holds (device_record_text), which the fast device reader
// reads, whoever wrote the record and whatever it left out (0.1 wrote no
// "user"); a record that is JSON but no device (of a newer format, say)
// keeps its JSON as dump() writes it, one line, and the listing names its
// fault as reading the record would. Throws Error(Exit::io) for a record that
// is not JSON, which gets no row: so a row that is not JSON was damaged in
// the snapshot, not in the record.
std::string snapshot_row(const std::string& text, const std::string& where) {
  try {
    const Json j = parse_record(text, where);
    try {
      return device_record_text(device_from_json(j));
    } catch (const RecordError&) {
      return j.dump();
    }
  } catch (const Json::exception& e) {
    throw Error(Exit::io, "unreadable record " + where + ": " + e.what());
  }
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::string display_recent(const std::string& record_display) {
  std::string out = record_display;
  if (ends_with(out, kRecordSuffix)) out.resize(out.size() - std::strlen(kRecordSuffix));
  return out + std::string(kRecentSuffix);
}

bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > 100 || key[0] == '.') return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '_' || c == '-';
  });
}

Json parse_journal_line(std::string_view line) {
  if (line.find('\0') != std::string_view::npos) return Json(Json::value_t::discarded);
  return Json::parse(line, nullptr, false);
}

Json parse_record(const std::string& text, const std::string& where) {
  if (auto nul = text.find('\0'); nul != std::string::npos)
    throw Error(Exit::io,
                "unreadable record " + where + ": NUL byte at offset " + std::to_string(nul));
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    std::string why = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] "; the operator
    // does not need the code.
    if (auto pos = why.find("] "); pos != std::string::npos) why = why.substr(pos + 2);
    throw Error(Exit::io, "unreadable record " + where + ": " + why);
  }
}

FileStore::FileStore(std::string root, std::chrono::milliseconds lock_timeout,
                     std::string journal_folder)
    : root_(std::move(root)),
      lock_timeout_(lock_timeout),
      journal_folder_(std::move(journal_folder)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

// Keeping folders open takes descriptors; the usual soft limit (1024) is far
// below the usual hard one. provlock never uses select(2), so the soft limit
// may be raised. Asked only once a process keeps more than a few folders
// (a one-shot check never does), so that no start pays for it.
std::size_t FileStore::folders_allowed() {
  if (max_folders_) return max_folders_;
  rlimit limit{};
  rlim_t soft = 1024;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    soft = limit.rlim_cur;
    const rlim_t want = std::min<rlim_t>(limit.rlim_max, 4096);
    if (want > soft) {
      limit.rlim_cur = want;
      if (setrlimit(RLIMIT_NOFILE, &limit) == 0) soft = want;
    }
  }
  // Two descriptors a folder (itself and its lock file); the rest for
  // records, the journal and stdio.
  max_folders_ = soft > 160 ? static_cast<std::size_t>((soft - 128) / 2) : 16;
  return max_folders_;
}

const char* FileStore::folder(Kind kind) {
  switch (kind) {
    case Kind::device:
      return "devices";
    case Kind::ban:
      return "bans";
    case Kind::window:
      return "windows";
    case Kind::meta:
      return "meta";
  }
  return "?";
}

std::string FileStore::bucket(Kind kind, const std::string& key) {
  static const char* hex = "0123456789abcdef";
  switch (kind) {
    case Kind::device:
      return key.size() >= 2 ? key.substr(key.size() - 2) : "00";
    case Kind::ban: {
      std::uint64_t h = fnv1a64(key);
      return {hex[(h >> 4) & 15], hex[h & 15]};
    }
    default:
      return "";
  }
}

std::string FileStore::path_of(const std::string& relative) const {
  return root_ + "/" + relative;
}

std::string FileStore::where(Kind kind, const std::string& key) const {
  std::string b = bucket(kind, key);
  return path_of(std::string(folder(kind)) + "/" + (b.empty() ? "" : b + "/") + key +
                 kRecordSuffix);
}

int FileStore::root_fd(bool create) {
  if (!root_fd_.valid()) {
    // A store that does not exist yet reads as empty.
    if (!create && access(root_.c_str(), F_OK) != 0 && errno == ENOENT) return -1;
    root_fd_ = open_root(root_, create);
  }
  return root_fd_.get();
}

FileStore::FolderRef FileStore::folder_at(const std::string& relative, bool create) {
  const auto slash = relative.rfind('/');
  FolderRef up;
  int parent = -1;
  if (slash == std::string::npos) {
    parent = root_fd(create);
  } else if ((up = folder_at(relative.substr(0, slash), create))) {
    parent = up->dir.get();
  }
  if (parent < 0) return nullptr;
  const std::string name = slash == std::string::npos ? relative : relative.substr(slash + 1);
  struct stat st {};
  if (auto it = folders_.find(relative); it != folders_.end()) {
    // Still the folder the name leads to? (Not removed, not replaced.)
    if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
        st.st_dev == it->second->dev && st.st_ino == it->second->ino)
      return it->second;
    folders_.erase(it);
  }
  Fd dir = open_dir(parent, name, create, path_of(relative));
  if (!dir.valid()) return nullptr;
  if (fstat(dir.get(), &st) != 0)
    throw Error(Exit::io, "cannot open " + path_of(relative) + ": " + std::strerror(errno));
  auto f = std::make_shared<Folder>();
  f->dir = std::move(dir);
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  // Full: start again rather than run out of descriptors. Whoever still
  // holds a dropped folder keeps it open until done.
  if (folders_.size() >= kFewFolders && folders_.size() >= folders_allowed()) folders_.clear();
  folders_[relative] = f;
  return f;
}

FileStore::FolderRef FileStore::record_folder(Kind kind, const std::string& key, bool create) {
  if (!valid_key(key)) throw Error(Exit::data, "invalid record key '" + key + "'");
  std::string rel = folder(kind);
  std::string b = bucket(kind, key);
  if (!b.empty()) rel += "/" + b;
  return folder_at(rel, create);
}

RecordLock FileStore::lock_in(Folder& f, const std::string& key, const std::string& display) {
  return RecordLock(RecordLock::Shared{lock_file_of(f, display)}, key, lock_timeout_, display);
}

int FileStore::lock_file_of(Folder& f, const std::string& display) {
  struct stat st {};
  // The lock file must be the one the name leads to now, or the lock would
  // not exclude a process that opened the name afresh.
  if (f.lock_file.valid() && (fstatat(f.dir.get(), ".lock", &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                              st.st_dev != f.lock_dev || st.st_ino != f.lock_ino))
    f.lock_file = Fd();
  if (!f.lock_file.valid()) {
    f.lock_file = open_lock_file(f.dir.get(), display);
    if (fstat(f.lock_file.get(), &st) != 0)
      throw Error(Exit::io, "cannot lock " + display + ": " + std::strerror(errno));
    f.lock_dev = st.st_dev;
    f.lock_ino = st.st_ino;
  }
  return f.lock_file.get();
}

void FileStore::mark_changed(Folder& f, const std::string& key, const std::string& display) {
  // The caller holds the record's lock, so f's lock file is open and the one
  // the name leads to (lock_in).
  const char mark = 1;
  if (pwrite(f.lock_file.get(), &mark, 1, static_cast<off_t>(listing::slot_of(key))) != 1)
    throw Error(Exit::io,
                "cannot mark " + display + " as changed for list: " + std::strerror(errno));
}

std::optional<Found> FileStore::load(Kind kind, const std::string& key) {
  FolderRef f = record_folder(kind, key, false);
  if (!f) return std::nullopt;
  std::string display = where(kind, key);
  Current c = read_current(f->dir.get(), key, display);
  if (!c.exists()) return std::nullopt;
  if (c.recent_in_force) return Found{std::move(c.recent), display_recent(display)};
  return Found{std::move(*c.file), display};
}

void FileStore::update_text(Kind kind, const std::string& key, const TextChange& change) {
  update_one(kind, key, change, Durability::durable);
}

void FileStore::update_each(Kind kind, const std::vector<std::string>& keys,
                            const KeyedChange& change,
                            const std::function<void(const std::string& key)>& done,
                            const OnError& on_error) {
  // One record is written as update_text writes it. Many are each written
  // without the flush of their folder entry, and one flush of the file
  // system at the end makes them all durable, with the journal lines
  // appended meanwhile: as safe once this returns, and much cheaper.
  const Durability how = keys.size() > 1 ? Durability::relaxed : Durability::durable;
  const std::uint64_t lines_before = relaxed_lines_;
  bool written = false;
  auto make_durable = [&] {
    if ((written && how == Durability::relaxed) || relaxed_lines_ != lines_before) sync();
  };
  try {
    for (const std::string& key : keys) {
      try {
        update_one(
            kind, key,
            [&](std::optional<std::string>& text, const std::string& where) {
              const Write w = change(key, text, where);
              written = written || w != Write::none;
              return w;
            },
            how);
        done(key);
      } catch (const Error& e) {
        on_error(e);
      }
    }
  } catch (...) {
    // What was written before the failure is made durable all the same.
    try {
      make_durable();
    } catch (const Error&) {
    }
    throw;
  }
  make_durable();
}

void FileStore::update_one(Kind kind, const std::string& key, const TextChange& change,
                           Durability durability) {
  FolderRef f = record_folder(kind, key, true);  // held past the lock
  const int dir = f->dir.get();
  std::string display = where(kind, key);
  RecordLock lock = lock_in(*f, key, display);
  const std::string name = key + kRecordSuffix;
  const std::string recent_name = key + std::string(kRecentSuffix);
  Fd recent_fd;
  Current c = read_current(dir, key, display, true, &recent_fd);
  std::optional<std::string> text;
  if (c.exists()) text = c.text();
  const Write how = change(text, c.recent_in_force ? display_recent(display) : display);
  if (how == Write::none) return;
  if (kind == Kind::device) mark_changed(*f, key, display);
  if (text && (text->empty() || text->back() != '\n')) *text += '\n';
  if (how == Write::bookkeeping && text) {
    const std::string content = encode_recent(c.file, *text);
    // Under the lock, nobody else writes the recent version: its size is as
    // read, and a missing one is still missing.
    if (recent_fd.valid())
      overwrite_at_start(recent_fd.get(), content, display_recent(display), c.recent_size);
    else
      overwrite_in_place(dir, recent_name, content, display_recent(display), !c.has_recent);
    return;
  }
  recent_fd = Fd();
  // The recent version goes first: were it left and the record made again
  // with the very same bytes, it would come back into force.
  if (c.has_recent && !text)
    remove_file(dir, recent_name, Durability::relaxed, display_recent(display));
  if (!text) {
    if (c.file || c.has_recent) remove_file(dir, name, durability, display);
    return;
  }
  write_file_atomic(dir, name, *text, durability, display);
  // What the recent version held is in the record now; the new record file
  // has superseded it anyway, so a crash before this removal loses nothing.
  if (c.has_recent) remove_file(dir, recent_name, Durability::relaxed, display_recent(display));
}

std::vector<bool> FileStore::create_all(Kind kind,
                                        const std::vector<std::pair<std::string, Json>>& records,
                                        const std::function<void(std::size_t)>& on_created) {
  std::vector<std::pair<FolderRef, std::string>> pending;  // folder, temporary file
  pending.reserve(records.size());
  std::vector<bool> created(records.size(), false);
  // Whatever happens, no temporary file outlives this call.
  auto discard = [&] {
    for (const auto& [f, temp] : pending)
      if (!temp.empty()) unlinkat(f->dir.get(), temp.c_str(), 0);
  };
  try {
    // 1. Every new file written, none flushed yet.
    for (const auto& [key, record] : records) {
      FolderRef f = record_folder(kind, key, true);
      // Records that exist already need no file (the check under the lock
      // below is the one that counts).
      struct stat st;
      if (fstatat(f->dir.get(), (key + kRecordSuffix).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        pending.emplace_back(f, "");
        continue;
      }
      std::string temp = write_unflushed_temp(f->dir.get(), key + kRecordSuffix,
                                              record.dump() + "\n", where(kind, key));
      pending.emplace_back(f, std::move(temp));
    }
    // 2. One flush for all of their contents.
    sync();
    // 3. Each one renamed into place under its lock, unless the record exists.
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::string& key = records[i].first;
      auto& [f, temp] = pending[i];
      if (temp.empty()) continue;
      const int dirfd = f->dir.get();
      RecordLock lock = lock_in(*f, key, where(kind, key));
      const std::string name = key + kRecordSuffix;
      struct stat st;
      if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
      if (errno != ENOENT)
        throw Error(Exit::io, "cannot create " + where(kind, key) + ": " + std::strerror(errno));
      // A record may exist as a recent version only; one that is not in force
      // is left from a removed record and must not come back over this one.
      Current c = read_current(dirfd, key, where(kind, key));
      if (c.exists()) continue;
      if (kind == Kind::device) mark_changed(*f, key, where(kind, key));
      if (c.has_recent)
        remove_file(dirfd, key + std::string(kRecentSuffix), Durability::relaxed,
                    display_recent(where(kind, key)));
      if (renameat(dirfd, temp.c_str(), dirfd, name.c_str()) != 0)
        throw Error(Exit::io, "cannot create " + where(kind, key) + ": " + std::strerror(errno));
      temp.clear();
      created[i] = true;
      on_created(i);
    }
    // 4. One flush for all the new names.
    sync();
  } catch (...) {
    discard();
    throw;
  }
  discard();
  return created;
}

void FileStore::scan(Kind kind, const Visit& visit, const OnError& on_error) {
  int root = root_fd(false);
  if (root < 0) return;
  const std::string rel = folder(kind);
  Fd top = open_dir(root, rel, false, path_of(rel));
  if (!top.valid()) return;

  if (bucket(kind, "xx").empty()) {
    scan_folder(top.get(), path_of(rel), visit, on_error);
    return;
  }
  // Snapshots are kept for devices only: the kind listed in bulk.
  const bool snapshots = listing_snapshots_ && kind == Kind::device && !listing::boot_id().empty();
  std::vector<std::string> buckets = list_dir(top.get(), path_of(rel));
  std::sort(buckets.begin(), buckets.end());
  for (const std::string& b : buckets) {
    if (!is_bucket_name(b)) continue;
    const std::string bucket_rel = rel + "/" + b;
    if (snapshots) {
      try {
        scan_by_snapshot(bucket_rel, visit, on_error);
        continue;
      } catch (const Error&) {
        // The snapshot is only a shortcut: whatever keeps it from being used
        // or renewed, the records are read as they are without one.
      }
    }
    try {
      Fd sub = open_dir(top.get(), b, false, path_of(bucket_rel));
      if (sub.valid()) scan_folder(sub.get(), path_of(bucket_rel), visit, on_error);
    } catch (const Error& e) {
      on_error(e);
    }
  }
}

// The protocol is described in listing.hpp.
void FileStore::scan_by_snapshot(const std::string& rel, const Visit& visit,
                                 const OnError& on_error) {
  FolderRef f = folder_at(rel, false);
  if (!f) return;
  const int dir = f->dir.get();
  const std::string display = path_of(rel);
  const std::string snapshot_display = display + "/" + listing::kSnapshotName;
  const std::string marks_display = display + "/.lock";
  const int lock_file = lock_file_of(*f, snapshot_display);

  // 1. One list at a time renews the snapshot of a folder.
  RecordLock listing_lock(RecordLock::Shared{lock_file},
                          RecordLock::Range{RecordLock::kKeyRange + 1, 1}, lock_timeout_,
                          snapshot_display);
  struct stat snapshot_st {
  }, now{};
  // The marks and their nonce, as they are now (`length` bytes of them).
  std::string marks_text(listing::kMarksSize + 1, '\0');
  auto read_marks = [&] {
    const ssize_t n = pread(lock_file, marks_text.data(), marks_text.size(), 0);
    if (n < 0) throw Error(Exit::io, "cannot read " + marks_display + ": " + std::strerror(errno));
    return std::string_view(marks_text.data(), static_cast<std::size_t>(n));
  };
  listing::Identity identity{kSnapshotForm, listing::boot_id(), f->dev, f->ino, ""};
  // The old snapshot, read before the record locks are taken (a big folder's
  // snapshot takes a while to parse); checked again within them.
  std::string old_text;
  std::optional<std::vector<listing::Row>> old;
  if (auto nonce = listing::nonce_of(read_marks())) {
    identity.nonce = *nonce;
    if (Fd snapshot = open_to_read(dir, listing::kSnapshotName, snapshot_display, O_RDONLY);
        snapshot.valid()) {
      if (fstat(snapshot.get(), &snapshot_st) != 0)
        throw Error(Exit::io, "cannot read " + snapshot_display + ": " + std::strerror(errno));
      old_text = read_whole(snapshot.get(), snapshot_display, std::size_t{1} << 30);
      old = listing::decode(old_text, identity);
    }
  }

  // 2. Under every record lock of the folder: which slots changed since the
  // snapshot; then, unless none did, the snapshot goes and the marks are
  // cleared under a new nonce.
  std::string_view marked;
  bool unchanged = false;
  {
    RecordLock all(RecordLock::Shared{lock_file}, RecordLock::Range{0, RecordLock::kKeyRange},
                   lock_timeout_, display);
    // A snapshot replaced meanwhile is not the one read.
    const std::string_view text = read_marks();
    if (old && (listing::nonce_of(text) != identity.nonce ||
                fstatat(dir, listing::kSnapshotName, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
                !same_file(now, snapshot_st)))
      old.reset();
    if (old) {
      marked = text.substr(0, listing::kSlots);
      // Nothing changed since the snapshot: it is the listing as it stands.
      unchanged = marked.find_first_not_of('\0') == std::string_view::npos;
    }
    if (!unchanged) {
      if (unlinkat(dir, listing::kSnapshotName, 0) != 0 && errno != ENOENT)
        throw Error(Exit::io, "cannot remove " + snapshot_display + ": " + std::strerror(errno));
      // Whatever was in the file (cut short, grown, made just now), it is
      // whole from here on.
      identity.nonce = listing::new_nonce();
      const std::string clear = std::string(listing::kSlots, '\0') + identity.nonce;
      if (text.size() != listing::kMarksSize &&
          ftruncate(lock_file, static_cast<off_t>(listing::kMarksSize)) != 0)
        throw Error(Exit::io, "cannot write " + marks_display + ": " + std::strerror(errno));
      if (pwrite(lock_file, clear.data(), clear.size(), 0) != static_cast<ssize_t>(clear.size()))
        throw Error(Exit::io, "cannot clear " + marks_display + ": " + std::strerror(errno));
    }
  }
  // A row handed over as scan hands over a record, the snapshot named as
  // the place its text came from.
  std::string key_text, where_text = snapshot_display + " (the row of ";
  const std::size_t prefix_length = where_text.size();
  auto visit_row = [&](const listing::Row& r) {
    key_text.assign(r.key);
    where_text.resize(prefix_length);
    where_text.append(r.key).append(")");
    visit(key_text, r.row, where_text);
  };
  if (unchanged) {
    for (const listing::Row& r : *old) visit_row(r);
    return;
  }

  // 3. Rows of unmarked slots from the old snapshot, the others read afresh.
  const bool from_snapshot = old.has_value();
  auto is_marked = [&](std::string_view key) {
    return !from_snapshot || marked[listing::slot_of(key)] != '\0';
  };
  auto mark_again = [&](std::string_view key) {
    const char mark = 1;
    if (pwrite(lock_file, &mark, 1, static_cast<off_t>(listing::slot_of(key))) != 1)
      throw Error(Exit::io, "cannot write " + marks_display + ": " + std::strerror(errno));
  };
  std::vector<listing::Row> kept;
  std::vector<std::pair<std::string, Found>> unkept;  // handed out but not kept in the snapshot
  std::vector<Error> errors;
  if (old)
    for (const listing::Row& r : *old)
      if (!is_marked(r.key)) kept.push_back(r);
  std::vector<std::pair<std::string, std::string>> read;  // key, row
  for (const auto& [key, has_recent] : keys_in(dir, display)) {
    if (!is_marked(key)) continue;
    std::optional<Found> found;
    std::string row;
    try {
      found = read_record(dir, display, key, has_recent);
      if (!found) continue;
      row = snapshot_row(found->text, found->where);
    } catch (const Error& e) {
      // No row: listed afresh, and reported, every time.
      errors.push_back(e);
      mark_again(key);
      continue;
    }
    if (valid_key(key)) {
      read.emplace_back(key, std::move(row));
    } else {
      mark_again(key);
      unkept.emplace_back(key, std::move(*found));
    }
  }
  for (const auto& [key, row] : read) kept.push_back({key, row});

  // 4. The new snapshot; not flushed (its header names the boot).
  const std::string text = listing::encode(identity, kept);
  std::string temp;
  try {
    temp = write_unflushed_temp(dir, listing::kSnapshotName, text, snapshot_display);
    if (renameat(dir, temp.c_str(), dir, listing::kSnapshotName) == 0) temp.clear();
  } catch (const Error&) {
    // Not kept: the next list reads these records again.
  }
  if (!temp.empty()) unlinkat(dir, temp.c_str(), 0);

  for (const Error& e : errors) on_error(e);
  for (const listing::Row& r : kept) visit_row(r);
  for (const auto& [key, found] : unkept) visit(key, found.text, found.where);
}

void FileStore::append_journal_line(UnixTime time, std::string line, Durability durability) {
  const std::string name = day_of(time) + kJournalSuffix;
  const std::string display = path_of(journal_folder_ + "/" + name);
  FolderRef dir = folder_at(journal_folder_, true);
  // The day's file stays open between lines while the name leads to it: a
  // file removed or moved away (rotated by hand) is made anew.
  struct stat st {};
  if (journal_file_.valid() &&
      (name != journal_name_ ||
       fstatat(dir->dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
       st.st_dev != journal_dev_ || st.st_ino != journal_ino_))
    journal_file_ = Fd();
  if (!journal_file_.valid()) {
    bool created = false;
    Fd file = open_for_append(dir->dir.get(), name, display, created);
    if (fstat(file.get(), &st) != 0)
      throw Error(Exit::io, "cannot write " + display + ": " + std::strerror(errno));
    journal_file_ = std::move(file);
    journal_name_ = name;
    journal_dev_ = st.st_dev;
    journal_ino_ = st.st_ino;
    // Whoever created it may have written only relaxed lines: the first
    // durable line of this process flushes the folder entry too.
    journal_entry_synced_ = false;
  }
  line += '\n';
  append_to(journal_file_.get(), line, durability, display);
  if (durability == Durability::relaxed) ++relaxed_lines_;
  if (durability == Durability::durable && !journal_entry_synced_) {
    sync_fd(dir->dir.get(), display);
    journal_entry_synced_ = true;
  }
}

void FileStore::scan_journal(UnixTime since, const std::function<void(const Json&)>& visit,
                             const OnError& on_error) {
  int root = root_fd(false);
  if (root < 0) return;
  Fd dir = open_dir(root, journal_folder_, false, path_of(journal_folder_));
  if (!dir.valid()) return;
  std::vector<std::string> names = list_dir(dir.get(), path_of(journal_folder_));
  std::sort(names.begin(), names.end());
  const std::string first = day_of(since) + kJournalSuffix;
  for (const std::string& name : names) {
    if (name[0] == '.' || !ends_with(name, kJournalSuffix) || name < first) continue;
    std::string display = path_of(journal_folder_ + "/" + name);
    std::optional<std::string> text;
    try {
      text = read_file(dir.get(), name, display, std::size_t{1} << 34);
    } catch (const Error& e) {
      on_error(e);
      continue;
    }
    if (!text) continue;
    std::size_t start = 0, line_no = 0;
    while (start < text->size()) {
      std::size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      ++line_no;
      std::string_view line(text->data() + start, end - start);
      start = end + 1;
      if (line.empty()) continue;
      Json entry = parse_journal_line(line);
      if (entry.is_discarded() || !entry.is_object())
        on_error(
            Error(Exit::io, "unreadable journal line " + display + ":" + std::to_string(line_no)));
      else
        visit(entry);
    }
  }
}

void FileStore::sync() {
  int root = root_fd(false);
  if (root < 0) return;
  // syncfs flushes the whole file system the store lives on: one call for
  // any number of relaxed writes.
  if (syncfs(root) != 0)
    throw Error(Exit::io, "cannot sync store " + root_ + ": " + std::strerror(errno));
}

int FileStore::fold_recent(Kind kind, bool dry_run, const OnError& on_error) {
  const std::string top = folder(kind);
  FolderRef top_folder = root_fd(false) < 0 ? nullptr : folder_at(top, false);
  if (!top_folder) return 0;
  std::vector<std::string> folders;
  if (bucket(kind, "xx").empty()) {
    folders.push_back(top);
  } else {
    for (const std::string& b : list_dir(top_folder->dir.get(), path_of(top)))
      if (is_bucket_name(b)) folders.push_back(top + "/" + b);
    std::sort(folders.begin(), folders.end());
  }

  // Group commit, as create_all: the folded records are written to
  // temporary files unflushed, flushed together, then each is renamed over
  // its record under its lock if its recent version is still the one that
  // was folded (a check may have written a newer one meanwhile: that one is
  // left for the next run), and the renames are flushed together.
  struct Pending {
    FolderRef folder;
    std::string key, temp, content;
  };
  std::vector<Pending> pending;
  int folded = 0;
  auto discard = [&] {
    for (const Pending& p : pending)
      if (!p.temp.empty()) unlinkat(p.folder->dir.get(), p.temp.c_str(), 0);
    pending.clear();
  };
  auto commit = [&] {
    if (pending.empty()) return;
    sync();
    for (Pending& p : pending) {
      const std::string display = where(kind, p.key);
      const int dir = p.folder->dir.get();
      try {
        RecordLock lock = lock_in(*p.folder, p.key, display);
        Current c = read_current(dir, p.key, display);
        if (!c.recent_in_force || c.recent != p.content) continue;
        // What the record reads as stays the same, but a list that read the
        // old record file and then found the recent version gone would not.
        if (kind == Kind::device) mark_changed(*p.folder, p.key, display);
        if (renameat(dir, p.temp.c_str(), dir, (p.key + kRecordSuffix).c_str()) != 0)
          throw Error(Exit::io, "cannot write " + display + ": " + std::strerror(errno));
        p.temp.clear();
        remove_file(dir, p.key + std::string(kRecentSuffix), Durability::relaxed,
                    display_recent(display));
        ++folded;
      } catch (const Error& e) {
        on_error(e);
      }
    }
    sync();
    discard();
  };
  try {
    for (const std::string& rel : folders) {
      // A folder that cannot be read is reported; the others are folded.
      FolderRef f;
      std::vector<std::string> names;
      try {
        f = folder_at(rel, false);
        if (!f) continue;
        names = list_dir(f->dir.get(), path_of(rel));
      } catch (const Error& e) {
        on_error(e);
        continue;
      }
      for (const std::string& name : names) {
        if (name[0] == '.' || !ends_with(name, std::string(kRecentSuffix))) continue;
        const std::string key = name.substr(0, name.size() - kRecentSuffix.size());
        if (!valid_key(key)) continue;
        const std::string display = where(kind, key);
        try {
          if (dry_run) {
            folded += read_current(f->dir.get(), key, display).recent_in_force;
            continue;
          }
          RecordLock lock = lock_in(*f, key, display);
          Current c = read_current(f->dir.get(), key, display);
          // A torn or superseded one holds nothing to fold; fsck removes it.
          if (!c.recent_in_force) continue;
          std::string temp =
              write_unflushed_temp(f->dir.get(), key + kRecordSuffix, c.recent, display);
          pending.push_back({f, key, std::move(temp), std::move(c.recent)});
        } catch (const Error& e) {
          on_error(e);
        }
        if (pending.size() >= 10000) commit();
      }
    }
    commit();
  } catch (...) {
    discard();
    throw;
  }
  return folded;
}

Maintenance FileStore::maintain(UnixTime journal_before, bool dry_run, const OnError& on_error) {
  Maintenance m;
  m.journal_days = prune_journal(journal_before, dry_run);
  // Windows and the rules are never written as bookkeeping.
  for (Kind kind : {Kind::device, Kind::ban}) m.folded += fold_recent(kind, dry_run, on_error);
  return m;
}

int FileStore::prune_journal(UnixTime before, bool dry_run) {
  int root = root_fd(false);
  if (root < 0) return 0;
  Fd dir = open_dir(root, journal_folder_, false, path_of(journal_folder_));
  if (!dir.valid()) return 0;
  const std::string keep_from = day_of(before) + kJournalSuffix;
  int removed = 0;
  for (const std::string& name : list_dir(dir.get(), path_of(journal_folder_))) {
    if (name[0] == '.' || !ends_with(name, kJournalSuffix) || name.size() != 16 ||
        name >= keep_from)
      continue;
    if (!dry_run)
      remove_file(dir.get(), name, Durability::durable, path_of(journal_folder_ + "/" + name));
    ++removed;
  }
  return removed;
}

}  // namespace provlock::store
