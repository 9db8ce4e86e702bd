// A Store held in memory, for running the use cases (ops/) in unit tests
// that take milliseconds: no directory, no locks to wait for. It keeps each
// record as the text a FileStore would write, so the records' codecs run as
// they do on disk, and it counts what was written, so a test can say that a
// dry run wrote nothing.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lib/timefmt.hpp"
#include "store/store.hpp"

namespace provlock::test {

class MemoryStore : public store::Store {
 public:
  using Key = std::pair<store::Kind, std::string>;

  // The records' texts, and the journal's lines with the day they went to.
  std::map<Key, std::string> records;
  std::vector<std::pair<UnixTime, std::string>> journal;
  // Record writes and removals made, and journal lines appended.
  int writes = 0;
  int appended = 0;

  std::string where(store::Kind kind, const std::string& key) const override {
    return "memory:" + std::to_string(static_cast<int>(kind)) + "/" + key;
  }

  std::optional<store::Found> load(store::Kind kind, const std::string& key) override {
    auto it = records.find({kind, key});
    if (it == records.end()) return std::nullopt;
    return store::Found{it->second, where(kind, key)};
  }

  void update_text(store::Kind kind, const std::string& key,
                   const store::TextChange& change) override {
    auto it = records.find({kind, key});
    std::optional<std::string> text;
    if (it != records.end()) {
      text = it->second;
      store::parse_record(*text, where(kind, key));  // unreadable: never shown to change
    }
    if (change(text, where(kind, key)) == store::Write::none) return;
    ++writes;
    if (text)
      records[{kind, key}] = *text;
    else
      records.erase({kind, key});
  }

  std::vector<bool> create_all(store::Kind kind,
                               const std::vector<std::pair<std::string, store::Json>>& add,
                               const std::function<void(std::size_t)>& on_created) override {
    std::vector<bool> created;
    for (const auto& [key, record] : add) {
      const bool fresh = records.emplace(Key{kind, key}, record.dump()).second;
      writes += fresh;
      created.push_back(fresh);
      if (fresh) on_created(created.size() - 1);
    }
    return created;
  }

  void scan(store::Kind kind, const store::Visit& visit, const store::OnError&) override {
    for (const auto& [key, text] : records)
      if (key.first == kind) visit(key.second, text, where(kind, key.second));
  }

  void append_journal_line(UnixTime time, std::string line, store::Durability) override {
    ++appended;
    journal.emplace_back(time, std::move(line));
  }

  void scan_journal(UnixTime since, const std::function<void(const store::Json&)>& visit,
                    const store::OnError& on_error) override {
    for (const auto& [time, line] : journal) {
      if (time / 86400 < since / 86400) continue;
      store::Json entry = store::parse_journal_line(line);
      if (entry.is_discarded())
        on_error(Error(Exit::io, "unreadable journal line"));
      else
        visit(entry);
    }
  }

  store::Maintenance maintain(UnixTime journal_before, bool dry_run,
                              const store::OnError&) override {
    // Nothing is kept unflushed here; only the journal has days to prune.
    const auto day = [](UnixTime t) { return t / 86400; };
    std::map<UnixTime, bool> days;
    for (const auto& [time, line] : journal)
      if (day(time) < day(journal_before)) days[day(time)] = true;
    if (!dry_run)
      std::erase_if(journal, [&](const auto& e) { return day(e.first) < day(journal_before); });
    return {0, static_cast<int>(days.size())};
  }
};

}  // namespace provlock::test
