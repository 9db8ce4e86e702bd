#include "store/etcd/etcd_store.hpp"

#include <unistd.h>

#include <random>
#include <utility>

#include "lib/error.hpp"

namespace provlock::store {

namespace {

using etcd::Compare;
using etcd::Op;

// Records per txn of create_all: each needs a compare and a put, and the
// commit marker one more put (etcd::max_txn_ops = 128).
constexpr std::size_t kCreateBatch = etcd::max_txn_ops - 1;
// create_all's txns stay well under etcd::max_request_bytes.
constexpr std::size_t kCreateBatchBytes = 1024 * 1024;
// Keys per page of a scan.
constexpr std::int64_t kScanPage = 1000;
// The commit markers: one key per host and slot, of kMarkerSlots a process
// draws one from at random.
constexpr int kMarkerSlots = 4096;

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !name[0]) return "localhost";
  return name;
}

// The journal's FileStore: rooted at dir's parent, its journal folder dir's
// last component.
std::pair<std::string, std::string> split_dir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const auto slash = dir.rfind('/');
  if (slash == std::string::npos) return {".", dir};
  if (slash == 0) return {"/", dir.substr(1)};
  return {dir.substr(0, slash), dir.substr(slash + 1)};
}

std::string with_newline(std::string text) {
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace

EtcdStore::EtcdStore(const std::string& url, etcd::ClientOptions options,
                     const std::string& journal_dir, std::chrono::milliseconds change_timeout,
                     const etcd::TransportFactory& transport)
    : url_(url),
      options_(std::move(options)),
      journal_dir_(journal_dir),
      journal_(split_dir(journal_dir).first, change_timeout, split_dir(journal_dir).second),
      change_timeout_(change_timeout),
      host_(host_name()) {
  etcd::EtcdUrl parsed = etcd::parse_etcd_url(url);
  options_.endpoints = std::move(parsed.endpoints);
  prefix_ = parsed.prefix + "/";
  if (split_dir(journal_dir).second.empty() || journal_dir.empty())
    throw Error(Exit::config, "journal.dir " + provlock::quoted(journal_dir) + " names no folder");
  // The slot is drawn at random, not taken from the pid: processes in
  // containers of one host name all have the same few pids.
  marker_base_ = std::random_device{}();
  marker_base_ = (marker_base_ << 32) ^ std::random_device{}();
  if (!marker_base_) marker_base_ = 1;
  marker_key_ = prefix_ + "commits/" + host_ + "/" + std::to_string(marker_base_ % kMarkerSlots);
  // The TLS files are read now, so that a configuration at fault stops the
  // command before it starts (78), not at its first record. (No connection
  // is made before the first request.)
  client_ = std::make_unique<etcd::Client>(options_, transport);
}

EtcdStore::~EtcdStore() = default;

etcd::Client& EtcdStore::client() {
  return *client_;
}

std::string EtcdStore::kind_prefix(Kind kind) const {
  return prefix_ + FileStore::folder(kind) + "/";
}

std::string EtcdStore::etcd_key(Kind kind, const std::string& key) const {
  if (!valid_key(key)) throw Error(Exit::data, "invalid record key '" + key + "'");
  return kind_prefix(kind) + key;
}

std::string EtcdStore::where(Kind kind, const std::string& key) const {
  return "etcd:" + kind_prefix(kind) + key;
}

std::string EtcdStore::next_commit_id() {
  return std::to_string(marker_base_) + "." + std::to_string(++marker_count_) + " " + host_ +
         " " + std::to_string(getpid());
}

bool EtcdStore::commit(std::vector<Compare> compares, std::vector<Op> success,
                       std::vector<Op> failure, etcd::TxnResult& out) {
  // The marker tells, when the compares fail, whether this very txn was
  // applied by an earlier try whose answer was lost (a node killed after
  // committing, before answering: the client then sends it again). Another
  // process that drew the same of the 4096 slots could overwrite the marker
  // in between: that needs a lost answer and such a process committing
  // before the retry.
  const std::string id = next_commit_id();
  success.push_back(Op::put(marker_key_, id));
  failure.push_back(Op::get(marker_key_));
  try {
    out = client().txn(compares, success, failure);
  } catch (const Error& e) {
    if (e.code() != Exit::temp_fail) throw;
    // No answer within the budget, yet the txn may have been applied: a
    // leader killed after passing it on, whose successor commits it once
    // elected. A linearizable read once the cluster answers again (it waits
    // for the new leader's first commit, which settles every entry of the
    // term before) tells, if it comes within one more store.timeout. Still
    // no answer: 75, the outcome unknown (provlock(1), The etcd store).
    const etcd::GetResult marker = client().get(marker_key_, options_.timeout);
    if (!marker.kv || marker.kv->value != id) throw;
    out = etcd::TxnResult{};
    out.succeeded = true;
    return true;
  }
  if (out.succeeded) return true;
  const auto& marker = out.results.back().kvs;
  return !marker.empty() && marker.front().value == id;
}

EtcdStore::Read EtcdStore::read_now(const std::string& key) {
  etcd::GetResult got = client().get(key);
  if (!got.kv) return {};
  return Read{std::move(got.kv->value), got.kv->mod_revision};
}

std::string EtcdStore::key_of(Kind kind, const std::string& etcd_key) const {
  return etcd_key.substr(kind_prefix(kind).size());
}

std::optional<Found> EtcdStore::load(Kind kind, const std::string& key) {
  const std::string k = etcd_key(kind, key);
  if (decision_.active) {
    if (auto it = decision_.staged.find(k); it != decision_.staged.end()) {
      if (!it->second) return std::nullopt;
      return Found{*it->second, where(kind, key)};
    }
    if (auto it = decision_.read.find(k); it != decision_.read.end()) {
      if (!it->second.text) return std::nullopt;
      return Found{*it->second.text, where(kind, key)};
    }
  }
  Read r = read_now(k);
  if (!r.text) return std::nullopt;
  return Found{std::move(*r.text), where(kind, key)};
}

void EtcdStore::update_text(Kind kind, const std::string& key, const TextChange& change) {
  const std::string k = etcd_key(kind, key);
  const std::string display = where(kind, key);
  if (decision_.active) {
    // Kept for commit_decision; a record not read at the start is read now,
    // and compared then as the others are.
    auto read = decision_.read.find(k);
    if (read == decision_.read.end()) read = decision_.read.emplace(k, read_now(k)).first;
    auto staged = decision_.staged.find(k);
    std::optional<std::string> text =
        staged != decision_.staged.end() ? staged->second : read->second.text;
    if (change(text, display) == Write::none) return;
    decision_.staged[k] = text ? std::optional(with_newline(std::move(*text))) : std::nullopt;
    return;
  }
  // A compare-and-swap, tried again on the record as another process left
  // it. Lines `change` appends to the journal are kept until its write holds.
  const auto give_up = std::chrono::steady_clock::now() + change_timeout_;
  Read current = read_now(k);
  for (;;) {
    std::vector<Line> lines;
    std::optional<std::string> text = current.text;
    collecting_ = &lines;
    Write how;
    try {
      how = change(text, display);
    } catch (...) {
      collecting_ = nullptr;
      throw;
    }
    collecting_ = nullptr;
    if (how == Write::none) {
      append_kept(lines);
      return;
    }
    Op write = text ? Op::put(k, with_newline(std::move(*text))) : Op::del(k);
    etcd::TxnResult result;
    if (commit({Compare::mod_revision_is(k, current.mod_revision)}, {std::move(write)},
               {Op::get(k)}, result)) {
      append_kept(lines);
      return;
    }
    if (std::chrono::steady_clock::now() >= give_up)
      throw Error(Exit::temp_fail, "cannot change " + display + ": other processes kept changing " +
                                       "it for " + std::to_string(change_timeout_.count()) + " ms");
    const auto& now = result.results.front().kvs;
    current = now.empty() ? Read{} : Read{now.front().value, now.front().mod_revision};
  }
}

void EtcdStore::update_each(Kind kind, const std::vector<std::string>& keys,
                            const KeyedChange& change,
                            const std::function<void(const std::string& key)>& done,
                            const OnError& on_error) {
  // Each record's write is durable (etcd's log); the journal lines are
  // made so together. Once a record got no answer from etcd within the
  // budget, the others are not tried: each would wait a whole budget for
  // the same silence (a record that keeps losing its compare-and-swap is
  // another matter: the next one may well go through).
  std::optional<Error> silence;
  for (const std::string& key : keys) {
    if (silence) {
      on_error(Error(Exit::temp_fail, where(kind, key) + ": not tried, etcd gave no answer for " +
                                          "an earlier record (" + silence->what() + ")"));
      continue;
    }
    try {
      update_text(kind, key, [&](std::optional<std::string>& text, const std::string& at) {
        return change(key, text, at);
      });
      done(key);
    } catch (const Error& e) {
      if (e.code() == Exit::temp_fail && client().gave_up()) silence = e;
      on_error(e);
    }
  }
  journal_.sync();
}

std::vector<bool> EtcdStore::create_all(Kind kind,
                                        const std::vector<std::pair<std::string, Json>>& records,
                                        const std::function<void(std::size_t)>& created) {
  std::vector<bool> made(records.size(), false);
  std::size_t begin = 0;
  try {
    while (begin < records.size()) {
      // A batch: as many records as one txn may hold.
      std::vector<std::string> keys, texts;
      std::size_t bytes = 0;
      std::size_t end = begin;
      while (end < records.size() && keys.size() < kCreateBatch) {
        std::string k = etcd_key(kind, records[end].first);
        std::string text = with_newline(records[end].second.dump());
        if (!keys.empty() && bytes + k.size() * 2 + text.size() > kCreateBatchBytes) break;
        bytes += k.size() * 2 + text.size();
        keys.push_back(std::move(k));
        texts.push_back(std::move(text));
        ++end;
      }
      const auto give_up = std::chrono::steady_clock::now() + change_timeout_;
      for (;;) {
        etcd::GetManyResult now = client().get_many(keys);
        std::vector<Compare> compares;
        std::vector<Op> puts;
        std::vector<std::size_t> fresh;
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (now.kvs[i]) continue;
          compares.push_back(Compare::mod_revision_is(keys[i], 0));
          puts.push_back(Op::put(keys[i], texts[i]));
          fresh.push_back(begin + i);
        }
        if (fresh.empty()) break;
        etcd::TxnResult result;
        if (commit(std::move(compares), std::move(puts), {}, result)) {
          for (std::size_t i : fresh) {
            made[i] = true;
            created(i);
          }
          break;
        }
        // Another process created one of them meanwhile: read them again.
        if (std::chrono::steady_clock::now() >= give_up)
          throw Error(Exit::temp_fail, "cannot create records under " + kind_prefix(kind) +
                                           ": other processes kept creating them");
      }
      begin = end;
    }
  } catch (...) {
    try {
      journal_.sync();
    } catch (const Error&) {
    }
    throw;
  }
  journal_.sync();
  return made;
}

void EtcdStore::page_through(const std::string& first,
                             const std::function<void(const etcd::KeyValue&)>& visit) {
  // Page by page, every page at the first one's revision: the scan sees the
  // keys as they were when it began.
  const std::string end = etcd::prefix_end(first);
  std::string start = first;
  std::int64_t revision = 0;
  for (;;) {
    etcd::RangeResult page = client().range(start, end, kScanPage, revision);
    revision = page.revision;
    // Every key of a page in [start, end), in order: a page that does not
    // move on (something other than etcd on the port) would never end.
    for (std::size_t i = 0; i < page.kvs.size(); ++i) {
      const std::string& key = page.kvs[i].key;
      if (key < start || (end != std::string(1, '\0') && key >= end) ||
          (i > 0 && key <= page.kvs[i - 1].key))
        throw Error(Exit::io, "etcd answered a read of the keys from " + provlock::quoted(start) +
                                  " with the key " + provlock::quoted(key) + " out of order");
    }
    for (const auto& kv : page.kvs) visit(kv);
    if (!page.more || page.kvs.empty()) break;
    start = page.kvs.back().key + '\0';
  }
}

void EtcdStore::scan(Kind kind, const Visit& visit, const OnError& on_error) {
  auto one = [&](const etcd::KeyValue& kv) {
    const std::string key = key_of(kind, kv.key);
    if (!valid_key(key))
      on_error(Error(Exit::io, "etcd:" + kv.key + " is not a record's key (see fsck)"));
    else
      visit(key, kv.value, "etcd:" + kv.key);
  };
  if (decision_.active) {
    if (auto it = decision_.scanned.find(kind); it != decision_.scanned.end()) {
      for (const auto& kv : it->second) one(kv);
      return;
    }
  }
  page_through(kind_prefix(kind), one);
}

void EtcdStore::append_journal_line(UnixTime time, std::string line, Durability durability) {
  if (decision_.active) {
    decision_.lines.push_back({time, std::move(line), durability});
    return;
  }
  if (collecting_) {
    collecting_->push_back({time, std::move(line), durability});
    return;
  }
  journal_.append_journal_line(time, std::move(line), durability);
}

void EtcdStore::scan_journal(UnixTime since, const std::function<void(const Json&)>& visit,
                             const OnError& on_error) {
  journal_.scan_journal(since, visit, on_error);
}

Maintenance EtcdStore::maintain(UnixTime journal_before, bool dry_run, const OnError&) {
  // Every write to etcd is durable already: nothing to fold.
  Maintenance m;
  m.journal_days = journal_.prune_journal(journal_before, dry_run);
  return m;
}

void EtcdStore::begin_decision(const std::vector<RecordName>& reads,
                               const std::vector<Kind>& scans) {
  decision_ = Decision{};
  std::vector<Op> ops;
  std::vector<std::string> keys;
  for (const auto& [kind, key] : reads) {
    keys.push_back(etcd_key(kind, key));
    ops.push_back(Op::get(keys.back()));
  }
  for (Kind kind : scans) {
    const std::string first = kind_prefix(kind);
    ops.push_back(Op::range(first, etcd::prefix_end(first)));
  }
  // One txn of reads only: etcd answers it at one revision, without a write
  // to its log. Linearizable: a serializable read would save a round trip
  // to the leader (the commit compares every record read anyway), but a
  // node cut off from the others answers it too, and the commit that
  // follows, proposed to a cluster without a quorum, may be applied once
  // the quorum is back, long after its check answered 75. A linearizable
  // read fails there first, and nothing is proposed.
  // The read and the write of a decision share one budget, as one request
  // would have: a check gives up within timeout * (retries + 1) (and one
  // more timeout when its write's answer is lost and read back: commit).
  client().limit_until(std::chrono::steady_clock::now() +
                       options_.timeout * (options_.retries + 1));
  etcd::TxnResult got;
  try {
    got = client().txn({}, ops);
  } catch (...) {
    client().limit_until(std::nullopt);
    throw;
  }
  if (got.results.size() != ops.size())
    throw Error(Exit::io, "etcd answered " + std::to_string(ops.size()) + " reads with " +
                              std::to_string(got.results.size()) + " results");
  decision_.revision = got.revision;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& kvs = got.results[i].kvs;
    decision_.read[keys[i]] =
        kvs.empty() ? Read{} : Read{kvs.front().value, kvs.front().mod_revision};
  }
  for (std::size_t i = 0; i < scans.size(); ++i)
    decision_.scanned[scans[i]] = std::move(got.results[keys.size() + i].kvs);
  decision_.active = true;
}

bool EtcdStore::commit_decision() {
  // Whatever happens below, the decision is over.
  Decision d = std::exchange(decision_, Decision{});
  struct Unlimit {
    etcd::Client& client;
    ~Unlimit() { client.limit_until(std::nullopt); }
  } unlimit{client()};
  if (!d.active) return true;
  if (!d.staged.empty()) {
    std::vector<Compare> compares;
    for (const auto& [key, read] : d.read)
      compares.push_back(Compare::mod_revision_is(key, read.mod_revision));
    // A scanned kind: nothing of it written since the read (a range
    // compare), and every key read still as read, which also catches one
    // deleted since (a range compare sees only the keys there now). When
    // the keys are too many for etcd's limit on compares, only the range
    // compare: a deletion then goes unseen (provlock(1), The etcd store).
    std::size_t scanned_keys = 0;
    for (const auto& [kind, kvs] : d.scanned) scanned_keys += kvs.size();
    const bool each_key = compares.size() + d.scanned.size() + scanned_keys <= etcd::max_txn_ops;
    for (const auto& [kind, kvs] : d.scanned) {
      const std::string first = kind_prefix(kind);
      compares.push_back(Compare::none_changed_since(first, etcd::prefix_end(first), d.revision));
      if (each_key)
        for (const auto& kv : kvs)
          compares.push_back(Compare::mod_revision_is(kv.key, kv.mod_revision));
    }
    std::vector<Op> writes;
    for (auto& [key, text] : d.staged)
      writes.push_back(text ? Op::put(key, std::move(*text)) : Op::del(key));
    etcd::TxnResult result;
    if (!commit(std::move(compares), std::move(writes), {}, result)) return false;
  }
  append_kept(d.lines);
  return true;
}

void EtcdStore::append_kept(std::vector<Line>& lines) {
  // The write they tell of holds already: every line is tried, a failed one
  // (a full disk) not keeping the others out, and the first error is then
  // the caller's.
  std::optional<Error> first;
  for (Line& line : lines) {
    try {
      journal_.append_journal_line(line.time, std::move(line.text), line.durability);
    } catch (const Error& e) {
      if (!first) first = e;
    }
  }
  if (first) throw *first;
}

void EtcdStore::abandon_decision() {
  decision_ = Decision{};
  client().limit_until(std::nullopt);
}

void EtcdStore::scan_foreign(const std::function<void(const std::string& etcd_key)>& visit) {
  const std::string commits = prefix_ + "commits/";
  const std::string quarantined = prefix_ + "quarantine/";
  page_through(prefix_, [&](const etcd::KeyValue& kv) {
    if (kv.key.starts_with(commits) || kv.key.starts_with(quarantined)) return;
    for (Kind kind : {Kind::device, Kind::ban, Kind::window, Kind::meta})
      if (kv.key.starts_with(kind_prefix(kind)) && valid_key(key_of(kind, kv.key))) return;
    visit(kv.key);
  });
}

std::string EtcdStore::quarantine(const std::string& key, UnixTime now) {
  // Moved in one txn, and only if it is still as read: a record put right
  // meanwhile stays.
  etcd::GetResult got = client().get(key);
  if (!got.kv) return "";
  std::string rest = key.substr(prefix_.size());
  for (char& c : rest)
    if (c == '/') c = '_';
  const std::string to = prefix_ + "quarantine/" + std::to_string(now) + "-" + rest;
  etcd::TxnResult result;
  if (!commit({Compare::mod_revision_is(key, got.kv->mod_revision)},
              {Op::put(to, got.kv->value), Op::del(key)}, {}, result))
    return "";
  return to;
}

}  // namespace provlock::store
