// The store as the rest of provlock sees it: records of a few kinds, each
// named by a key, that can be loaded, changed one at a time under that
// record's lock, and scanned; and an append-only journal. FileStore
// (file_store.hpp) is the one backend; another can come later without the
// policy noticing.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/error.hpp"
#include "lib/timefmt.hpp"
#include "store/fs.hpp"

namespace provlock::store {

// The kinds of record, one folder each.
enum class Kind { device, ban, window, meta };

// What a change asks to be done with the record it was shown.
enum class Write {
  none,  // leave the record as it was
  // Write it with no flush at all. Only for a change of bookkeeping (last
  // seen, counters, attempt times), never of a fact that decides who may
  // fetch: a power cut may lose it, and with it any bookkeeping written since
  // the record was last written otherwise, but never the record (recent.hpp).
  bookkeeping,
  // Write it; a power cut may bring back the previous version whole. For
  // commands that write many records and then call sync().
  relaxed,
  durable,  // write it and make it reach stable storage before returning
};

using Json = nlohmann::json;
using Change = std::function<Write(std::optional<Json>& record)>;
// As Change, on the record's text rather than its JSON value, for callers
// that read and write a kind's text themselves (a device's: lib/
// device_text.hpp). `text` is the record's file text as it stands (nullopt:
// no record), `where` names the file it came from (for messages). Unless it
// returns Write::none, the change leaves in `text` the record's new JSON text
// (one line), or nullopt to remove the record.
using TextChange = std::function<Write(std::optional<std::string>& text, const std::string& where)>;
using Visit = std::function<void(const std::string& key, const Json& record)>;
using OnError = std::function<void(const Error& error)>;

// A compact one-line form of the records of a kind, for listing many records
// fast (Store::scan_rows).
struct RowForm {
  // Names the form (letters, digits, '-', '.'): rows kept in another form are
  // never handed out. A new version of the form needs a new id.
  std::string id;
  // The row of a record; throws Error for a record it cannot take (reported
  // like an unreadable record). A row never holds '\n'.
  std::function<std::string(const std::string& key, const Json& record)> encode;
};
using VisitRow = std::function<void(std::string_view row)>;

// Parses the text of a record file; throws Error(Exit::io) naming `where`.
// A NUL byte anywhere in it makes the record unreadable.
Json parse_record(const std::string& text, const std::string& where);

// Parses one journal line; a discarded value when it is not JSON or holds a
// NUL byte. (nlohmann's reader takes a NUL for the end of its input, so
// whatever follows one would otherwise pass unseen.)
Json parse_journal_line(std::string_view line);

class Store {
 public:
  virtual ~Store() = default;

  // Where the record lives, for messages (a file path for FileStore).
  virtual std::string where(Kind kind, const std::string& key) const = 0;

  // The record, or nullopt if there is none. Throws Error(Exit::io) naming
  // the record if it exists but cannot be read or is not JSON.
  virtual std::optional<Json> load(Kind kind, const std::string& key) = 0;

  // The one way to change a record: takes the record's lock (waiting at most
  // store.lock_timeout, then Error(Exit::temp_fail)), loads it, calls
  // `change`, then writes what `change` left (or removes the record when it
  // left nullopt) as `change` asked, and releases the lock. A record that
  // cannot be read or parsed is never overwritten: Error(Exit::io) before
  // `change` is called. If `change` throws, nothing is written. `change`
  // may append to the journal but must not update records: locks do not
  // nest (store/lock.hpp).
  void update(Kind kind, const std::string& key, const Change& change) {
    update_text(kind, key, [&](std::optional<std::string>& text, const std::string& where) {
      std::optional<Json> record;
      if (text) record = parse_record(*text, where);
      const Write how = change(record);
      if (how != Write::none)
        text = record ? std::optional<std::string>(record->dump()) : std::nullopt;
      return how;
    });
  }
  // update, with the record as text (TextChange). A record whose file cannot
  // be read is never shown to `change`: Error(Exit::io) first.
  virtual void update_text(Kind kind, const std::string& key, const TextChange& change) = 0;

  // Creates each record that does not exist yet, never replacing one, and
  // returns which it created. Each record is created under its lock, whole or
  // not at all; every created record is durable when it returns. One flush
  // for the lot, so that `add -` of a hundred thousand MACs is quick.
  virtual std::vector<bool> create_all(
      Kind kind, const std::vector<std::pair<std::string, Json>>& records) = 0;

  // Calls `visit` for every record of `kind` (in no particular order), and
  // `on_error` for each one that cannot be read or parsed; the scan goes on.
  virtual void scan(Kind kind, const Visit& visit, const OnError& on_error) = 0;

  // As scan, with each record handed over as its row in `form`. A store may
  // keep rows between calls (FileStore keeps them for devices: listing.hpp),
  // so the rows may come from an earlier call, but never from an older
  // version of a record than scan would read at the moment this call began.
  virtual void scan_rows(Kind kind, const RowForm& form, const VisitRow& visit,
                         const OnError& on_error) = 0;

  // Appends one entry, its JSON text `line` (one line, no newline), to the
  // journal of the UTC day of `time`.
  virtual void append_journal_line(UnixTime time, std::string line, Durability durability) = 0;

  // Calls `visit` for every journal entry of the days from `since`'s day on,
  // oldest day first, in the order written. Unparseable lines go to
  // `on_error`.
  virtual void scan_journal(UnixTime since, const std::function<void(const Json&)>& visit,
                            const OnError& on_error) = 0;

  // Makes every write made so far with Write::relaxed or Durability::relaxed
  // durable. Commands that change many records write them relaxed and call
  // this once before they report success.
  virtual void sync() = 0;

  // Folds the bookkeeping of Write::bookkeeping into the records of `kind`
  // and makes it durable, so that a power cut can no longer lose it (expire
  // does this from cron). Returns how many records it folded (with
  // `dry_run`, would fold). Records that cannot be read go to `on_error`.
  virtual int fold_recent(Kind kind, bool dry_run, const OnError& on_error) = 0;

  // Removes the journal of every UTC day wholly before `before`. Returns the
  // number of day files removed.
  virtual int prune_journal(UnixTime before, bool dry_run) = 0;
};

}  // namespace provlock::store
