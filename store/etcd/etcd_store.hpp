// The store in an etcd v3 cluster (SPEC §8, store = "etcd://HOST:PORT,.../
// PREFIX"), shared by several web servers. The keys, under the prefix:
//
//   PREFIX/devices/<mac>        a device's record, the same JSON as its file
//   PREFIX/bans/<prefix key>    an address's (or range's) record
//   PREFIX/windows/<key>        a provisioning window
//   PREFIX/meta/rules           unlock-alls and range bans
//   PREFIX/commits/<host>/<n>   the last commit of the processes on host that
//                               drew slot n (of 4096, at random): how a txn
//                               applied without an answer is told from one
//                               that was not
//
// There are no locks: every change is a compare-and-swap on the record's
// mod_revision, tried again on the record as it now is when another
// process changed it first. A decision (Store::begin_decision) reads its
// records in one txn at one revision and writes all it changed in one txn
// that holds only if none of them changed since. Every write is durable
// (etcd's Raft log), bookkeeping too.
//
// The journal stays a local file on each server (journal.dir), each line
// naming its host.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/etcd/etcd_client.hpp"
#include "store/file_store.hpp"
#include "store/store.hpp"

namespace provlock::store {

class EtcdStore final : public Store {
 public:
  // `url` as SPEC §8 gives it (Error(Exit::config) if it is not one);
  // `options`' endpoints are taken from it. `journal_dir` is the folder of
  // the local journal. A change that keeps losing its compare-and-swap for
  // `change_timeout` gives up with Error(Exit::temp_fail), as a record lock
  // not obtained in time does on a directory store. Nothing is contacted
  // before the first call (the TLS files are read:
  // Error(Exit::config) if one cannot be). `transport` makes the client's
  // transport (etcd_grpc.hpp, etcd_http.hpp).
  EtcdStore(const std::string& url, etcd::ClientOptions options, const std::string& journal_dir,
            std::chrono::milliseconds change_timeout, const etcd::TransportFactory& transport);
  ~EtcdStore() override;

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

  void begin_decision(const std::vector<RecordName>& reads,
                      const std::vector<Kind>& scans) override;
  bool commit_decision() override;
  void abandon_decision() override;
  std::string journal_host() const override { return host_; }

  // The etcd key of a record, and of the first key after every record of
  // `kind` (a range's end).
  std::string etcd_key(Kind kind, const std::string& key) const;
  std::string kind_prefix(Kind kind) const;

  // For fsck: every key under the prefix that is not a record's (a kind
  // this provlock does not know, or a key no record may have; the commit
  // markers and quarantine/ aside), and moving
  // a record to PREFIX/quarantine/ (returns its new key).
  void scan_foreign(const std::function<void(const std::string& etcd_key)>& visit);
  std::string quarantine(const std::string& etcd_key, UnixTime now);

  const std::string& journal_dir() const { return journal_dir_; }

 private:
  struct Read {
    std::optional<std::string> text;
    std::int64_t mod_revision = 0;  // 0: absent
  };
  // A journal line kept until the write it tells of holds.
  struct Line {
    UnixTime time;
    std::string text;
    Durability durability;
  };
  struct Decision {
    bool active = false;
    std::int64_t revision = 0;
    std::map<std::string, Read> read;  // by etcd key
    std::map<std::string, std::optional<std::string>> staged;
    std::map<Kind, std::vector<etcd::KeyValue>> scanned;
    std::vector<Line> lines;
  };
  void append_kept(std::vector<Line>& lines);

  etcd::Client& client();
  // This process's commit marker: a fresh value for each commit, and the
  // key it goes under.
  std::string next_commit_id();
  // Runs a txn with the marker put among `success`. Returns whether it was
  // applied, by this try or (its answer lost) an earlier one; `failure`'s
  // results are left in `out` when it was not.
  bool commit(std::vector<etcd::Compare> compares, std::vector<etcd::Op> success,
              std::vector<etcd::Op> failure, etcd::TxnResult& out);
  Read read_now(const std::string& key);
  // Every key starting with `first`, in pages at one revision.
  void page_through(const std::string& first,
                    const std::function<void(const etcd::KeyValue&)>& visit);
  std::string key_of(Kind kind, const std::string& etcd_key) const;

  std::string url_;
  std::string prefix_;  // "PREFIX/"
  etcd::ClientOptions options_;
  std::unique_ptr<etcd::Client> client_;
  std::string journal_dir_;
  FileStore journal_;
  std::chrono::milliseconds change_timeout_;
  std::string host_;
  std::string marker_key_;
  std::uint64_t marker_base_ = 0, marker_count_ = 0;
  Decision decision_;
  // Where update_text keeps the lines its change appends, until it writes.
  std::vector<Line>* collecting_ = nullptr;
};

}  // namespace provlock::store
