#include "store/fsck.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "store/listing.hpp"
#include "store/lock.hpp"
#include "store/recent.hpp"
#include "store/records_io.hpp"

namespace provlock::store {
namespace {

using Kind_ = FsckFinding::Kind;

struct Entry {
  std::string name;
  struct stat st;
};

std::vector<Entry> entries_of(int dirfd, const std::string& display) {
  int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  DIR* dir = dup_fd >= 0 ? fdopendir(dup_fd) : nullptr;
  if (!dir) {
    if (dup_fd >= 0) close(dup_fd);
    throw Error(Exit::io, "cannot read " + display + ": " + std::strerror(errno));
  }
  rewinddir(dir);
  std::vector<Entry> out;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    Entry entry{name, {}};
    if (fstatat(dirfd, name.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) == 0) out.push_back(entry);
  }
  closedir(dir);
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

// The writer of a temporary file is gone if its pid no longer exists.
bool writer_gone(const std::string& name, const struct stat& st, UnixTime now) {
  if (now - st.st_mtime > 3600) return true;
  auto last = name.rfind('.');
  auto pid_dot = last == std::string::npos ? std::string::npos : name.rfind('.', last - 1);
  if (pid_dot == std::string::npos) return true;
  long pid = std::atol(name.substr(pid_dot + 1, last - pid_dot - 1).c_str());
  return pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
}

bool is_bucket(const std::string& name) {
  return name.size() == 2 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class Checker {
 public:
  Checker(const std::string& root, bool repair, UnixTime now,
          const std::function<void(const FsckFinding&)>& report)
      : root_(root), repair_(repair), now_(now), report_(report) {}

  FsckSummary run() {
    Fd root = open_root(root_, false);
    for (const Entry& e : entries_of(root.get(), root_)) {
      const std::string& n = e.name;
      if (S_ISLNK(e.st.st_mode)) {
        found(root.get(), n, n, Kind_::symlink, "is a symlink");
      } else if (!S_ISDIR(e.st.st_mode)) {
        found(root.get(), n, n, Kind_::stray, "has no place in the store");
      } else if (n == "devices" || n == "bans") {
        walk_buckets(root.get(), n);
      } else if (n == "windows" || n == "meta") {
        Fd dir = open_dir(root.get(), n, false, path(n));
        walk_records(dir.get(), n, n == "windows" ? Kind::window : Kind::meta, "");
      } else if (n == "journal") {
        walk_journal(root.get());
      } else if (n != "quarantine") {
        found(root.get(), n, n, Kind_::stray, "has no place in the store");
      }
    }
    return summary_;
  }

 private:
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  void found(int dirfd, const std::string& name, const std::string& rel, Kind_ kind,
             const std::string& why) {
    FsckFinding f{kind, path(rel), why, false, ""};
    if (repair_) repair(dirfd, name, rel, f);
    ++summary_.findings;
    if (!f.repaired) ++summary_.unrepaired;
    report_(f);
  }

  void repair(int dirfd, const std::string& name, const std::string& rel, FsckFinding& f) {
    if (f.kind == Kind_::bad_record || f.kind == Kind_::symlink) {
      Fd root = open_root(root_, false);
      Fd quarantine = open_dir(root.get(), "quarantine", true, path("quarantine"));
      std::string stamp = format_time(now_);
      std::erase(stamp, ':');
      std::string target = stamp + "-" + rel;
      std::replace(target.begin(), target.end(), '/', '_');
      if (renameat(dirfd, name.c_str(), quarantine.get(), target.c_str()) == 0) {
        sync_fd(quarantine.get(), path("quarantine"));
        sync_fd(dirfd, path(rel));
        f.repaired = true;
        f.repair = "moved to " + path("quarantine/" + target);
        if (rel == "meta/" + kRulesKey + ".json") f.repair += kRulesQuarantined;
      } else {
        f.repair = std::string("could not move it: ") + std::strerror(errno);
      }
    } else if (f.kind == Kind_::debris && ends_with(name, std::string(kRecentSuffix))) {
      const std::string key = name.substr(0, name.size() - kRecentSuffix.size());
      try {
        RecordLock lock(dirfd, key, std::chrono::seconds(5), f.path);
        auto record = read_file(dirfd, key + ".json", f.path);
        auto text = read_file(dirfd, name, f.path);
        if (text && decode_recent(*text, record).status == RecentStatus::current) {
          f.repair = "left alone: a writer has since made it whole";
        } else if (unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) {
          f.repaired = true;
          f.repair = "removed";
        } else {
          f.repair = std::string("could not remove it: ") + std::strerror(errno);
        }
      } catch (const Error& e) {
        f.repair = std::string("could not remove it: ") + e.what();
      }
    } else if (f.kind == Kind_::debris) {
      if (unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) {
        f.repaired = true;
        f.repair = "removed";
      } else {
        f.repair = std::string("could not remove it: ") + std::strerror(errno);
      }
    }
  }

  void walk_buckets(int rootfd, const std::string& folder) {
    Fd top = open_dir(rootfd, folder, false, path(folder));
    const Kind kind = folder == "devices" ? Kind::device : Kind::ban;
    for (const Entry& e : entries_of(top.get(), path(folder))) {
      std::string rel = folder + "/" + e.name;
      if (S_ISLNK(e.st.st_mode)) {
        found(top.get(), e.name, rel, Kind_::symlink, "is a symlink");
      } else if (e.name == ".lock") {
        // Every lock in the folder fails closed on a lock file that is not
        // a regular file; moved away, it is made anew at the next lock.
        if (!S_ISREG(e.st.st_mode))
          found(top.get(), e.name, rel, Kind_::bad_record, "is not a regular file");
      } else if (!S_ISDIR(e.st.st_mode) || !is_bucket(e.name)) {
        found(top.get(), e.name, rel, Kind_::stray, "has no place in the store");
      } else {
        Fd sub = open_dir(top.get(), e.name, false, path(rel));
        walk_records(sub.get(), rel, kind, e.name);
      }
    }
  }

  // --repair drops a device folder's listing snapshot, so that the next list
  // reads every record: what to run after changing records by hand. Within
  // every record lock of the folder (so that no list is between reading and
  // clearing the marks), the nonce of the marks (in the lock file) is
  // erased, which no snapshot can name, and the snapshot removed. Not a
  // finding.
  void drop_snapshot(int dirfd, const std::string& rel_dir) {
    try {
      const std::string display = path(rel_dir + "/.lock");
      RecordLock all(dirfd, RecordLock::Range{0, RecordLock::kKeyRange}, std::chrono::seconds(5),
                     display);
      Fd marks = open_to_read(dirfd, ".lock", display, O_WRONLY);
      const std::string erased(listing::kNonceSize, '-');
      if (marks.valid() && pwrite(marks.get(), erased.data(), erased.size(),
                                  static_cast<off_t>(listing::kSlots)) < 0)
        throw Error(Exit::io, "cannot write " + display + ": " + std::strerror(errno));
      if (unlinkat(dirfd, listing::kSnapshotName, 0) != 0 && errno != ENOENT)
        throw Error(Exit::io, "cannot remove " + path(rel_dir + "/" + listing::kSnapshotName) +
                                  ": " + std::strerror(errno));
    } catch (const Error& e) {
      FsckFinding f{Kind_::bad_record, path(rel_dir + "/" + listing::kSnapshotName),
                    std::string("could not be dropped: ") + e.what(), false, ""};
      ++summary_.findings;
      ++summary_.unrepaired;
      report_(f);
    }
  }

  void walk_records(int dirfd, const std::string& rel_dir, Kind kind, const std::string& bucket) {
    for (const Entry& e : entries_of(dirfd, path(rel_dir))) {
      const std::string& n = e.name;
      std::string rel = rel_dir + "/" + n;
      if (S_ISLNK(e.st.st_mode)) {
        found(dirfd, n, rel, Kind_::symlink, "is a symlink");
      } else if (n == ".lock") {
        if (!S_ISREG(e.st.st_mode))
          found(dirfd, n, rel, Kind_::bad_record, "is not a regular file");
        else if (kind == Kind::device && repair_)
          drop_snapshot(dirfd, rel_dir);  // its marks name the snapshot
      } else if (kind == Kind::device && n == listing::kSnapshotName) {
        // The folder's listing snapshot (listing.hpp).
        if (!S_ISREG(e.st.st_mode))
          found(dirfd, n, rel, Kind_::bad_record, "is not a regular file");
      } else if (is_temp_name(n)) {
        if (writer_gone(n, e.st, now_))
          found(dirfd, n, rel, Kind_::debris, "is a temporary file of an unfinished write");
      } else if (n[0] != '.' && ends_with(n, std::string(kRecentSuffix))) {
        if (S_ISREG(e.st.st_mode))
          check_recent(dirfd, n, rel_dir, kind, bucket);
        else
          found(dirfd, n, rel, Kind_::bad_record, "is not a regular file");
      } else if (!S_ISREG(e.st.st_mode) && n[0] != '.' && ends_with(n, ".json")) {
        // A FIFO, socket or folder where a record should be: move it away.
        found(dirfd, n, rel, Kind_::bad_record, "is not a regular file");
      } else if (!S_ISREG(e.st.st_mode) || n[0] == '.' || !ends_with(n, ".json")) {
        found(dirfd, n, rel, Kind_::stray, "has no place in the store");
      } else {
        check_record(dirfd, n, rel, kind, bucket);
      }
    }
  }

  void check_record(int dirfd, const std::string& name, const std::string& rel, Kind kind,
                    const std::string& bucket) {
    const std::string key = name.substr(0, name.size() - 5);
    try {
      if (!bucket.empty() && FileStore::bucket(kind, key) != bucket)
        throw Error(Exit::io,
                    "belongs in bucket " + FileStore::bucket(kind, key) + ", not " + bucket);
      auto text = read_file(dirfd, name, path(rel));
      if (!text) return;  // removed meanwhile
      decode_as(kind, parse_record(*text, path(rel)), key, path(rel));
      ++summary_.records;
    } catch (const Error& e) {
      found(dirfd, name, rel, Kind_::bad_record, reason(e, rel));
    }
  }

  // A recent version (recent.hpp) in force must decode as its record would;
  // a torn or superseded one is debris, removed under the record's lock so
  // that a writer at work is not robbed of the file it is writing.
  void check_recent(int dirfd, const std::string& name, const std::string& rel_dir, Kind kind,
                    const std::string& bucket) {
    const std::string key = name.substr(0, name.size() - kRecentSuffix.size());
    const std::string rel = rel_dir + "/" + name;
    const std::string record_rel = rel_dir + "/" + key + ".json";
    try {
      if (!bucket.empty() && FileStore::bucket(kind, key) != bucket)
        throw Error(Exit::io,
                    "belongs in bucket " + FileStore::bucket(kind, key) + ", not " + bucket);
      std::optional<std::string> record;
      try {
        record = read_file(dirfd, key + ".json", path(record_rel));
      } catch (const Error&) {
        return;  // the record file itself is at fault, and reported as such
      }
      auto text = read_file(dirfd, name, path(rel));
      if (!text) return;
      RecentVersion v = decode_recent(*text, record);
      if (v.status != RecentStatus::current) {
        found(dirfd, name, rel, Kind_::debris,
              v.status == RecentStatus::torn
                  ? "is a torn recent version (bookkeeping cut short by a crash); the record "
                    "stands"
                  : "is a recent version that its record has superseded");
        return;
      }
      decode_as(kind, parse_record(v.content, path(rel)), key, path(rel));
      if (!record) ++summary_.records;
    } catch (const Error& e) {
      found(dirfd, name, rel, Kind_::bad_record, reason(e, rel));
    }
  }

  static void decode_as(Kind kind, const Json& j, const std::string& key,
                        const std::string& where) {
    decode_record_of(kind, j, key, where);
  }

  // Messages name the file already; keep only the reason.
  // The error's message less the path, which the finding names already:
  // "unreadable record PATH: why" becomes "unreadable record: why".
  std::string reason(const Error& e, const std::string& rel) const {
    std::string why = e.what();
    const std::string p = path(rel);
    if (auto pos = why.find(" " + p); pos != std::string::npos) {
      why.erase(pos, p.size() + 1);
    } else if (why.rfind(p, 0) == 0) {
      why.erase(0, p.size());
      if (why.rfind(": ", 0) == 0) why.erase(0, 2);
    }
    return why;
  }

  void walk_journal(int rootfd) {
    Fd dir = open_dir(rootfd, "journal", false, path("journal"));
    for (const Entry& e : entries_of(dir.get(), path("journal"))) {
      std::string rel = "journal/" + e.name;
      if (S_ISLNK(e.st.st_mode)) {
        found(dir.get(), e.name, rel, Kind_::symlink, "is a symlink");
        continue;
      }
      if (!S_ISREG(e.st.st_mode) || !ends_with(e.name, ".jsonl")) {
        found(dir.get(), e.name, rel, Kind_::stray, "has no place in the store");
        continue;
      }
      auto text = read_file(dir.get(), e.name, path(rel), std::size_t{1} << 34);
      if (!text) continue;
      std::size_t start = 0, line = 0;
      while (start < text->size()) {
        std::size_t end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        ++line;
        const std::string_view l(text->data() + start, end - start);
        Json j = parse_journal_line(l);
        if (!l.empty() && (j.is_discarded() || !j.is_object()))
          found(dir.get(), e.name, rel + ":" + std::to_string(line), Kind_::bad_journal,
                "line does not parse");
        start = end + 1;
      }
    }
  }

  std::string root_;
  bool repair_;
  UnixTime now_;
  const std::function<void(const FsckFinding&)>& report_;
  FsckSummary summary_;
};

}  // namespace

const char* finding_name(FsckFinding::Kind kind) {
  switch (kind) {
    case Kind_::bad_record:
      return "bad-record";
    case Kind_::symlink:
      return "symlink";
    case Kind_::debris:
      return "debris";
    case Kind_::stray:
      return "stray";
    case Kind_::bad_journal:
      return "bad-journal-line";
  }
  return "?";
}

void decode_record_of(Kind kind, const Json& j, const std::string& key, const std::string& where) {
  switch (kind) {
    case Kind::device:
      decode_record<Device>(j, key, where);
      break;
    case Kind::ban:
      decode_record<AddressRecord>(j, key, where);
      break;
    case Kind::window:
      decode_record<Window>(j, key, where);
      break;
    case Kind::meta:
      if (key == kRulesKey)
        decode_record<StoreRules>(j, key, where);
      else
        throw Error(Exit::io, "is not a record provlock knows");
      break;
  }
}

FsckSummary fsck(const std::string& root, bool repair, UnixTime now,
                 const std::function<void(const FsckFinding&)>& report) {
  return Checker(root, repair, now, report).run();
}

}  // namespace provlock::store
