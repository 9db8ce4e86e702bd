// The store as a directory of JSON files (layout in provlock(1), FILES):
//
//   <root>/devices/<cc>/<mac>.json    cc = the MAC's last two hex digits
//   <root>/devices/<cc>/<mac>.recent  bookkeeping not yet flushed (recent.hpp);
//                                      records of every kind may have one
//   <root>/devices/<cc>/.list          the folder's listing snapshot; the marks
//                                      of changed records are in its .lock
//                                      (listing.hpp)
//   <root>/bans/<hh>/<prefix>.json     hh = two hex digits of a hash of the key
//   <root>/windows/<key>.json          window_key: "203.0.113.5", "198.51.100.0-24"
//   <root>/meta/rules.json             unlock-alls and range bans
//   <root>/journal/<YYYY-MM-DD>.jsonl
//   <root>/quarantine/                 where fsck --repair moves bad files
//
// Each folder that holds records also holds ".lock", the file its record
// locks live on (see RecordLock); in device folders its contents are the
// listing marks. Two levels keep every folder at a few
// thousand files for a million devices.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "store/lock.hpp"
#include "store/store.hpp"

namespace provlock::store {

class FileStore final : public Store {
 public:
  // Nothing is touched until the first call: a store that does not exist
  // reads as empty, and the first write creates it. The journal is the
  // folder `journal_folder` of the root (EtcdStore keeps its journal in a
  // FileStore that holds nothing else, rooted where journal.dir says).
  FileStore(std::string root, std::chrono::milliseconds lock_timeout,
            std::string journal_folder = "journal");

  std::string where(Kind kind, const std::string& key) const override;
  std::optional<Found> load(Kind kind, const std::string& key) override;
  void update_text(Kind kind, const std::string& key, const TextChange& change) override;
  void update_each(Kind kind, const std::vector<std::string>& keys, const KeyedChange& change,
                   const std::function<void(const std::string& key)>& done,
                   const OnError& on_error) override;
  std::vector<bool> create_all(Kind kind, const std::vector<std::pair<std::string, Json>>& records,
                               const std::function<void(std::size_t)>& created) override;
  void scan(Kind kind, const Visit& visit, const OnError& on_error) override;
  void append_journal_line(UnixTime time, std::string line, Durability durability) override;
  void scan_journal(UnixTime since, const std::function<void(const Json&)>& visit,
                    const OnError& on_error) override;
  Maintenance maintain(UnixTime journal_before, bool dry_run, const OnError& on_error) override;

  // The parts of maintain, for fsck and tests: folds the recent versions of
  // `kind` (returns how many), and prunes the journal (returns the days).
  int fold_recent(Kind kind, bool dry_run, const OnError& on_error);
  int prune_journal(UnixTime before, bool dry_run);
  // Makes every write made so far without a flush of its own durable:
  // syncfs, one call for any number of them.
  void sync();

  // Whether scans of devices go through the listing snapshots (listing.hpp),
  // renewing them: off unless asked. `list` asks; any other scan reads the
  // records, and a dry run (expire --dry-run) writes nothing at all.
  void use_listing_snapshots(bool on) { listing_snapshots_ = on; }

  const std::string& root_path() const { return root_; }

  // The folder of a kind, and the bucket folder of a key within it ("" for
  // kinds that are not fanned out).
  static const char* folder(Kind kind);
  static std::string bucket(Kind kind, const std::string& key);

 private:
  // A folder of the store, kept open between uses (a `check --batch`
  // process lives long and reuses them), with its lock file once a record in
  // it was locked. Each use checks first that the name still leads to the
  // same folder and lock file (one fstatat each), so a folder or lock file
  // removed or replaced meanwhile is opened anew, as it would be without the
  // cache. Users hold a shared_ptr for the length of an operation: dropping
  // an entry from the cache never closes a descriptor in use.
  struct Folder {
    Fd dir;
    dev_t dev = 0;
    ino_t ino = 0;
    Fd lock_file;
    dev_t lock_dev = 0;
    ino_t lock_ino = 0;
  };
  using FolderRef = std::shared_ptr<Folder>;

  std::size_t folders_allowed();
  // The root, opened on first use; with `create`, created if missing.
  // Returns -1 when it does not exist and `create` is false.
  int root_fd(bool create);
  // The folder at `relative` ("devices/cc"); null if it is missing and
  // !create. Missing folders are looked for again on every call.
  FolderRef folder_at(const std::string& relative, bool create);
  // The folder that holds the record `key` of `kind`.
  FolderRef record_folder(Kind kind, const std::string& key, bool create);
  // The lock of record `key` in `f`, on f's lock file.
  RecordLock lock_in(Folder& f, const std::string& key, const std::string& display);
  // f's lock file, opened (or opened anew) if need be.
  int lock_file_of(Folder& f, const std::string& display);
  // Sets the listing mark of `key` in `f` (listing.hpp): called with the
  // record's lock held, before the record is written. `display` names it.
  void mark_changed(Folder& f, const std::string& key, const std::string& display);
  // update_text, writing the record as `how` says unless `change` asks for
  // none or bookkeeping.
  void update_one(Kind kind, const std::string& key, const TextChange& change, Durability how);
  // Visits the records of the device folder `rel` (scan) from its snapshot
  // where it may be used, renewing the snapshot; records that cannot be read
  // go to `on_error`. Throws Error, having visited nothing, when the
  // snapshot cannot be used or renewed (a read-only store, a lock not
  // obtained in time, ...); the caller then reads the records.
  void scan_by_snapshot(const std::string& rel, const Visit& visit, const OnError& on_error);
  std::string path_of(const std::string& relative) const;

  std::string root_;
  std::chrono::milliseconds lock_timeout_;
  std::string journal_folder_;
  bool listing_snapshots_ = false;
  Fd root_fd_;
  std::map<std::string, FolderRef> folders_;
  // How many folders may be kept open: two descriptors each, within the
  // process's limit of open files (raised to its hard limit, at most 4096).
  std::size_t max_folders_ = 0;                   // 0: not asked yet (folders_allowed)
  static constexpr std::size_t kFewFolders = 16;  // kept before the limit is asked
  // Today's journal file, kept open between lines: reopened for a new day,
  // and when the name no longer leads to it (removed, or moved away).
  Fd journal_file_;
  std::string journal_name_;
  dev_t journal_dev_ = 0;
  ino_t journal_ino_ = 0;
  bool journal_entry_synced_ = false;  // its folder entry flushed by this process
  std::uint64_t relaxed_lines_ = 0;    // journal lines appended without a flush
};

// The path of a record's recent version (recent.hpp), from the record's path.
std::string display_recent(const std::string& record_display);

// Whether `key` may name a record file: non-empty, at most 100 characters of
// [0-9a-zA-Z._-], not starting with '.'.
bool valid_key(const std::string& key);

}  // namespace provlock::store
