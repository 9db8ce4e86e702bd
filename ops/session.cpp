#include "ops/session.hpp"

#include "lib/json_text.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

// The line is written straight from the entry, byte for byte what dumping
// the entry with "time" (unless it has one) and "who" added would give (keys
// in byte order): a check writes a line per decision.
void journal(Session& s, store::Json entry, bool relaxed) {
  if (s.who.is_null() && s.identify) s.who = s.identify();
  // A journal kept on each of several servers names the one it is on.
  if (!entry.contains("host"))
    if (std::string host = s.store->journal_host(); !host.empty()) entry["host"] = std::move(host);
  std::string line;
  line.reserve(256);
  char sep = '{';
  auto put = [&](std::string_view key, const store::Json& value) {
    line += sep;
    sep = ',';
    append_json_string(line, key);
    line += ':';
    const std::string* text = value.get_ptr<const std::string*>();
    // dump() checks that text is UTF-8; ASCII is, and anything else is left to it.
    if (text && is_ascii(*text))
      append_json_string(line, *text);
    else
      line += value.dump();
  };
  const store::Json time = format_time(s.now);
  bool time_put = entry.contains("time");  // the entry's own time stands
  bool who_put = false;                    // the entry's own "who" does not
  for (const auto& [key, value] : entry.items()) {
    if (!time_put && key > "time") {
      put("time", time);
      time_put = true;
    }
    if (!who_put && key >= "who") {
      put("who", s.who);
      who_put = true;
    }
    if (key != "who") put(key, value);
  }
  if (!time_put) put("time", time);
  if (!who_put) put("who", s.who);
  line += '}';
  s.store->append_journal_line(s.now, std::move(line),
                               relaxed ? store::Durability::relaxed : store::Durability::durable);
}

StoreRules load_rules(Session& s) {
  auto rules = store::load_record<StoreRules>(*s.store, store::kRulesKey);
  return rules ? *rules : StoreRules{};
}

}  // namespace provlock::ops
