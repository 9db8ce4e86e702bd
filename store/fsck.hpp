// fsck: checks every file of a FileStore against its layout and record
// formats, and with `repair` moves what is bad out of the way.
#pragma once

#include <functional>
#include <string>

#include "lib/timefmt.hpp"
#include "store/file_store.hpp"

namespace provlock::store {

struct FsckFinding {
  enum class Kind {
    bad_record,  // cannot be read, parsed or decoded, or names another key
    symlink,     // a link inside the store (never followed)
    debris,      // a temporary file left by a write that did not finish, or a torn or
                 // superseded recent version of a record (recent.hpp)
    stray,       // a file or folder that has no place in the layout
    bad_journal  // a journal line that does not parse
  };
  Kind kind;
  std::string path;
  std::string why;
  bool repaired = false;
  std::string repair;  // what was done ("moved to quarantine/...", "removed")
};

const char* finding_name(FsckFinding::Kind kind);

struct FsckSummary {
  long records = 0;  // records that were read and are sound
  long findings = 0;
  long unrepaired = 0;  // findings left as they were
};

// What fsck --repair adds when it moved the rules record away.
inline constexpr const char* kRulesQuarantined =
    "; its range bans and unlock-alls are gone (re-add the bans), and the next "
    "unlock-all carries its ids on from the highest the devices have seen";

// Decodes `j`, the record `key` of `kind` found at `where`, as check and
// the other commands would; throws Error(Exit::io) saying what is wrong.
// For fsck of any backend.
void decode_record_of(Kind kind, const Json& j, const std::string& key, const std::string& where);

// Walks the store at `root`. Calls `report` for each finding. With `repair`:
// bad records and symlinks are moved to <root>/quarantine/ (named by `now`
// and their path), debris is removed when the process that wrote it is gone
// (or it is over an hour old), strays and bad journal lines are left for the
// operator. Never follows a link and never rewrites a record.
FsckSummary fsck(const std::string& root, bool repair, UnixTime now,
                 const std::function<void(const FsckFinding&)>& report);

}  // namespace provlock::store
