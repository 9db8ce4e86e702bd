// The store as a directory of JSON files (layout in provlock(1), FILES):
//
//   <root>/devices/<cc>/<mac>.json    cc = the MAC's last two hex digits
//   <root>/devices/<cc>/<mac>.recent  bookkeeping not yet flushed (recent.hpp);
//                                      records of every kind may have one
//   <root>/bans/<hh>/<prefix>.json     hh = two hex digits of a hash of the key
//   <root>/windows/<ip>.json
//   <root>/meta/rules.json             unlock-alls and range bans
//   <root>/journal/<YYYY-MM-DD>.jsonl
//   <root>/quarantine/                 where fsck --repair moves bad files
//
// Each folder that holds records also holds ".lock", the file its record
// locks live on (see RecordLock). Two levels keep every folder at a few
// thousand files for a million devices.
#pragma once

#include <chrono>
#include <string>

#include "store/store.hpp"

namespace provlock::store {

class FileStore final : public Store {
 public:
  // Nothing is touched until the first call: a store that does not exist
  // reads as empty, and the first write creates it.
  FileStore(std::string root, std::chrono::milliseconds lock_timeout);

  std::string where(Kind kind, const std::string& key) const override;
  std::optional<Json> load(Kind kind, const std::string& key) override;
  void update(Kind kind, const std::string& key, const Change& change) override;
  std::vector<bool> create_all(Kind kind,
                               const std::vector<std::pair<std::string, Json>>& records) override;
  void scan(Kind kind, const Visit& visit, const OnError& on_error) override;
  void append_journal(UnixTime time, const Json& entry, Durability durability) override;
  void scan_journal(UnixTime since, const std::function<void(const Json&)>& visit,
                    const OnError& on_error) override;
  int prune_journal(UnixTime before, bool dry_run) override;
  void sync() override;

  const std::string& root_path() const { return root_; }

  // The folder of a kind, and the bucket folder of a key within it ("" for
  // kinds that are not fanned out).
  static const char* folder(Kind kind);
  static std::string bucket(Kind kind, const std::string& key);

 private:
  // The root, opened on first use; with `create`, created if missing.
  // Returns -1 when it does not exist and `create` is false.
  int root_fd(bool create);
  // The folder that holds the record `key` of `kind`; invalid Fd if missing
  // and !create.
  Fd record_dir(Kind kind, const std::string& key, bool create);
  std::string path_of(const std::string& relative) const;

  std::string root_;
  std::chrono::milliseconds lock_timeout_;
  Fd root_fd_;
};

// The path of a record's recent version (recent.hpp), from the record's path.
std::string display_recent(const std::string& record_display);

// Parses the text of a record file; throws Error(Exit::io) naming `where`.
Json parse_record(const std::string& text, const std::string& where);

// Whether `key` may name a record file: non-empty, at most 100 characters of
// [0-9a-zA-Z._-], not starting with '.'.
bool valid_key(const std::string& key);

}  // namespace provlock::store
