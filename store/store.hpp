// The store as the rest of provlock sees it: records of a few kinds, each
// named by a key, that can be loaded, changed one at a time under that
// record's lock, and scanned; and an append-only journal. Two backends:
// FileStore (file_store.hpp), a directory, and EtcdStore (etcd/
// etcd_store.hpp), records in an etcd cluster shared by several servers.
#pragma once

#include <cstddef>
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
  // the record was last written otherwise, but never the record (FileStore
  // keeps it in a recent version: recent.hpp).
  bookkeeping,
  durable,  // write it and make it reach stable storage before returning
};

using Json = nlohmann::json;
using Change = std::function<Write(std::optional<Json>& record)>;
// As Change, on the record's text rather than its JSON value, for callers
// that read and write a kind's text themselves (a device's: lib/
// record_text.hpp). `text` is the record's text as it stands (nullopt: no
// record), `where` names where it came from (for messages). Unless it
// returns Write::none, the change leaves in `text` the record's new JSON text
// (one line), or nullopt to remove the record.
using TextChange = std::function<Write(std::optional<std::string>& text, const std::string& where)>;
// A TextChange of one of several records, told which.
using KeyedChange = std::function<Write(const std::string& key, std::optional<std::string>& text,
                                        const std::string& where)>;
// A record as a scan hands it over: its key, its text (JSON, possibly not a
// valid one: the visitor decodes it) and where it came from.
using Visit =
    std::function<void(const std::string& key, std::string_view text, const std::string& where)>;
using OnError = std::function<void(const Error& error)>;

// A record's text as load found it, and where it was found, for messages (a
// backend may keep a record in more than one place: FileStore's recent
// versions).
struct Found {
  std::string text;
  std::string where;
};

// Parses the text of a record; throws Error(Exit::io) naming `where`. A NUL
// byte anywhere in it makes the record unreadable.
Json parse_record(const std::string& text, const std::string& where);

// Parses one journal line; a discarded value when it is not JSON or holds a
// NUL byte. (nlohmann's reader takes a NUL for the end of its input, so
// whatever follows one would otherwise pass unseen.)
Json parse_journal_line(std::string_view line);

// What Store::maintain did (with `dry_run`: would do).
struct Maintenance {
  int folded = 0;        // records whose unflushed bookkeeping was made durable
  int journal_days = 0;  // journal days removed
};

// What every backend offers, and all the use cases (ops/) may assume: no
// files, no folders, no caches. How a backend keeps records, and what it
// keeps beside them to be fast (FileStore's recent versions, listing
// snapshots and open folders), stays inside it.
class Store {
 public:
  virtual ~Store() = default;

  // Where the record lives, for messages (a file path for FileStore).
  virtual std::string where(Kind kind, const std::string& key) const = 0;

  // The record's text, or nullopt if there is none. Throws Error(Exit::io)
  // naming the record if it exists but cannot be read. Whether the text is a
  // record is the reader's business (records_io.hpp: load_record).
  virtual std::optional<Found> load(Kind kind, const std::string& key) = 0;

  // The one way to change a record: takes the record's lock (waiting at most
  // store.lock_timeout, then Error(Exit::temp_fail)), reads it, calls
  // `change`, then writes what `change` left (or removes the record when it
  // left nullopt) as `change` asked, and releases the lock. A record that
  // cannot be read is never shown to `change` nor overwritten:
  // Error(Exit::io) first. If `change` throws, nothing is written. `change`
  // may append to the journal but must not update records: locks do not
  // nest (store/lock.hpp).
  virtual void update_text(Kind kind, const std::string& key, const TextChange& change) = 0;

  // update_text with the record's JSON value.
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

  // update_text of each of `keys` in turn, for a command that changes many
  // records (`unlock -`, `remove -`). `done(key)` is called once the key's
  // record is written (or left as it was), and may append to the journal. An
  // Error thrown for one key (by `change`, `done` or the store) goes to
  // `on_error`, which may throw it on, and the next key is done. Every
  // record written, and every line appended meanwhile, relaxed or not, is
  // durable when this returns; a backend may make them so together rather
  // than one at a time. By default: update_text of each in turn.
  virtual void update_each(Kind kind, const std::vector<std::string>& keys,
                           const KeyedChange& change,
                           const std::function<void(const std::string& key)>& done,
                           const OnError& on_error) {
    for (const std::string& key : keys) {
      try {
        update_text(kind, key, [&](std::optional<std::string>& text, const std::string& where) {
          return change(key, text, where);
        });
        done(key);
      } catch (const Error& e) {
        on_error(e);
      }
    }
  }

  // Creates each record that does not exist yet, never replacing one, and
  // returns which it created. Each record is created under its lock, whole or
  // not at all. `created(i)` is called as the i-th record is created, and may
  // append to the journal. Every created record, and every line appended,
  // is durable when this returns: one flush for the lot, so that `add -` of a
  // hundred thousand MACs is quick.
  virtual std::vector<bool> create_all(Kind kind,
                                       const std::vector<std::pair<std::string, Json>>& records,
                                       const std::function<void(std::size_t)>& created) = 0;

  // Calls `visit` for every record of `kind` (in no particular order), and
  // `on_error` for each one that cannot be read; the scan goes on. A backend
  // may keep texts between calls (FileStore can for devices, when its owner
  // asks: listing.hpp), but never hands out an older version of a record than
  // it would read at the moment the call began.
  virtual void scan(Kind kind, const Visit& visit, const OnError& on_error) = 0;

  // Appends one entry, its JSON text `line` (one line, no newline), to the
  // journal of the UTC day of `time`. Durable when this returns, unless
  // `durability` is relaxed: a line of bookkeeping, or one appended within
  // update_each or create_all, which make it durable before they return.
  virtual void append_journal_line(UnixTime time, std::string line, Durability durability) = 0;

  // Calls `visit` for every journal entry of the days from `since`'s day on,
  // oldest day first, in the order written. Unparseable lines go to
  // `on_error`.
  virtual void scan_journal(UnixTime since, const std::function<void(const Json&)>& visit,
                            const OnError& on_error) = 0;

  // What cron's `expire` asks of the backend itself: makes durable the
  // bookkeeping written with Write::bookkeeping, so that a power cut can no
  // longer lose it, and removes the journal of every UTC day wholly before
  // `journal_before`. With `dry_run`, counts and writes nothing. Records
  // that cannot be read go to `on_error`.
  virtual Maintenance maintain(UnixTime journal_before, bool dry_run, const OnError& on_error) = 0;

  // ---- A decision: what `check` reads and writes, as one unit ------------
  //
  // check (ops/check.cpp) reads a few records, decides, and writes the ones
  // that changed, each through update_text. On a store whose records each
  // have a lock of their own (FileStore) that is right as it is: every
  // change is made under its record's lock, on the record as it stands, and
  // these three do nothing. A store without such locks (EtcdStore) reads
  // `reads` and every record of the kinds in `scans` at once in
  // begin_decision, answers load and scan of them from that snapshot,
  // keeps what update_text and append_journal_line are asked to do, and
  // does it all in commit_decision, only if none of those records changed
  // since they were read. Then it returns false, having written nothing,
  // and the caller decides again on the records as they now are.
  using RecordName = std::pair<Kind, std::string>;
  virtual void begin_decision(const std::vector<RecordName>& /*reads*/,
                              const std::vector<Kind>& /*scans*/) {}
  // Throws Error as update_text does when the store cannot be reached.
  virtual bool commit_decision() { return true; }
  // Forgets what the decision kept (after an Error, or a dry run).
  virtual void abandon_decision() {}

  // The name each journal line gives its host, "" for none: a store shared
  // by several servers keeps a journal on each.
  virtual std::string journal_host() const { return ""; }
};

}  // namespace provlock::store
