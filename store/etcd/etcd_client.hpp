// A small synchronous client of etcd's v3 KV API: what the etcd store (issue
// 19) builds on, over one of two transports (Transport below). No gRPC or
// protobuf type appears here, so that nothing else in provlock includes
// their headers; this library links neither, only the gRPC transport's
// (etcd_grpc.hpp) does.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/error.hpp"

namespace provlock::store::etcd {

// etcd's default limits (etcd --max-txn-ops, --max-request-bytes): a txn may
// hold at most this many compares, and as many operations in each branch,
// and a request must stay under this many bytes. A caller that batches keeps within both; the
// server refuses more (an Error with Exit::io).
inline constexpr std::size_t max_txn_ops = 128;
inline constexpr std::size_t max_request_bytes = 1536 * 1024;

// A store URL of SPEC §8, etcd://HOST:PORT[,HOST:PORT...]/PREFIX, taken
// apart: the endpoints as "HOST:PORT" in the order given (an IPv6 host in
// brackets, "[::1]:2379") and the prefix, the text after the first '/',
// never empty.
struct EtcdUrl {
  std::vector<std::string> endpoints;
  std::string prefix;
};

// Throws Error(Exit::config) naming the URL and the part at fault: another
// scheme, no endpoint, an empty host, a port that is not 1-65535, no prefix.
EtcdUrl parse_etcd_url(std::string_view url);

struct ClientOptions {
  std::vector<std::string> endpoints;  // "HOST:PORT", tried in this order
  // The deadline of one call to one endpoint. An operation, with all its
  // tries, never takes longer than timeout * (retries + 1).
  std::chrono::milliseconds timeout{2000};
  // Rounds over all the endpoints after the first, with a pause between
  // rounds (100 ms, doubling, at most 1 s) to let a leader be elected.
  int retries = 2;
  // TLS: the CA that signed the servers' certificates (PEM file); a client
  // certificate and its key for etcd's --client-cert-auth. Without ca, the
  // connection is plain text.
  std::optional<std::string> ca, cert, key;
};

struct KeyValue {
  std::string key, value;
  std::int64_t create_revision = 0, mod_revision = 0, version = 0;
};

struct GetResult {
  std::optional<KeyValue> kv;
  std::int64_t revision = 0;  // the store's revision the read saw
};

struct GetManyResult {
  std::vector<std::optional<KeyValue>> kvs;  // one per key asked, in order
  std::int64_t revision = 0;                 // all were read at this revision
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // sorted by key
  bool more = false;          // the limit cut the range short
  std::int64_t revision = 0;  // the revision read (as asked, or the current)
};

// A condition of a txn on one key.
struct Compare {
  enum class Target { mod_revision, value };
  Target target = Target::mod_revision;
  std::string key;
  std::string range_end;  // not empty: every key in [key, range_end)
  std::int64_t mod_revision = 0;
  bool before = false;  // mod_revision below `mod_revision`, not equal to it
  std::string value;

  // The key was last changed at `revision`. 0 means the key is absent: etcd
  // compares an absent key as having mod_revision 0, and a present key's is
  // always above 0, so one form covers "unchanged since I read it" and
  // "still absent".
  static Compare mod_revision_is(std::string key, std::int64_t revision);
  // No key in [key, range_end) was changed after `revision` (an empty
  // range holds). A key removed since then goes unseen.
  static Compare none_changed_since(std::string key, std::string range_end, std::int64_t revision);
  // The key is present and holds `value`.
  static Compare value_is(std::string key, std::string value);
};

// One operation of a txn.
struct Op {
  enum class Kind { put, del, range };
  Kind kind = Kind::range;
  std::string key;
  std::string value;       // put only
  std::string range_end;   // del and range: empty means the one key
  std::int64_t limit = 0;  // range: 0 means no limit
  // range: answered by the node asked from what it has, without asking the
  // leader for the latest revision first (etcd's serializable read; a txn
  // of such reads only is one round trip to one node). It may be behind
  // the cluster: for a read whose writes are compared later anyway.
  bool serializable = false;

  static Op put(std::string key, std::string value);
  static Op del(std::string key);
  static Op get(std::string key);
  static Op range(std::string key, std::string range_end, std::int64_t limit = 0);
};

struct OpResult {
  Op::Kind kind = Op::Kind::range;
  std::vector<KeyValue> kvs;  // range
  bool more = false;          // range
  std::int64_t deleted = 0;   // del
};

struct TxnResult {
  bool succeeded = false;         // every compare held: the success ops ran
  std::int64_t revision = 0;      // the store's revision after the txn
  std::vector<OpResult> results;  // one per op of the branch that ran
};

// The range_end that makes a range cover every key starting with `prefix`
// ("\0" when every byte is 0xff: to the end of the keyspace).
std::string prefix_end(std::string_view prefix);

// One try of one call at one endpoint, as a Transport answers it.
struct Outcome {
  enum class Kind {
    ok,
    no_answer,        // unreachable, timed out, or no leader/quorum in time: try the next
    busy,             // too many requests at that node: try the next
    no_space,         // etcd's NOSPACE alarm: a full disk (74)
    refused_for_who,  // authentication or permission refused (78)
    misconfigured,    // the endpoint is not what the config says (TLS, no gateway): 78
    refused,          // any other refusal (74)
  };
  Kind kind = Kind::ok;
  std::string message;  // what the server or the connection said, when not ok
};

// How the Client reaches etcd: one try of a call at one endpoint (an index
// into ClientOptions::endpoints), answered within `timeout`. Two exist:
// grpc_transport (etcd_grpc.hpp; etcd's gRPC API, TLS and client
// certificates, gRPC's threads and start-up) and http_transport
// (etcd_http.hpp; etcd's JSON gateway on the same port, plain text, one
// blocking socket per endpoint, nothing started before the first call).
class Transport {
 public:
  virtual ~Transport() = default;
  // A range read: `range` is an Op of Kind::range; at `revision` (0: now).
  virtual Outcome range(std::size_t endpoint, const Op& range, std::int64_t revision,
                        std::chrono::milliseconds timeout, RangeResult& out) = 0;
  virtual Outcome txn(std::size_t endpoint, const std::vector<Compare>& compares,
                      const std::vector<Op>& success, const std::vector<Op>& failure,
                      std::chrono::milliseconds timeout, TxnResult& out) = 0;
};

using TransportFactory = std::function<std::unique_ptr<Transport>(const ClientOptions&)>;

// A connection to an etcd cluster. Every operation is linearizable (reads go
// through the leader's quorum), bounded in time (see ClientOptions), and
// fails over: when one endpoint gives no answer in time (or etcd's own
// "context deadline exceeded", its side of the same deadline) or is too
// busy, it tries the next, starting next time from the last one that
// answered. When every try has failed it throws Error(Exit::temp_fail) (75,
// "try again"), naming the endpoints and the last error; a refusal of the
// credentials is Error(Exit::config) (78), etcd out of space or any other
// refusal by the server (a txn over the limits) Error(Exit::io) (74) at
// once. It never answers from a guess: a caller that gets no answer fails
// closed.
//
// A txn retried after no answer may already have been applied by the try
// that got none. A txn whose compares guard its writes then fails its
// compare on the retry, so nothing is written twice; a caller that must
// tell "my earlier try was applied" from "someone else wrote" writes a
// marker of its own (a key naming the attempt) in the same txn and reads it
// back in the failure branch.
//
// One Client is not safe for use by several threads at once.
class Client {
 public:
  // Checks the options and makes the transport with `make` (which reads the
  // TLS files: Error(Exit::config) if one cannot be read); connects only
  // when first used.
  Client(ClientOptions options, const TransportFactory& make);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  GetResult get(const std::string& key);
  // get, all its tries within `budget` instead of timeout * (retries + 1).
  GetResult get(const std::string& key, std::chrono::milliseconds budget);
  // All the keys read in one txn, at one revision.
  GetManyResult get_many(const std::vector<std::string>& keys);
  // The keys in [key, range_end), at most `limit` (0: all), read at
  // `revision` (0: the current one). To page through a prefix consistently,
  // pass the first page's revision to the next pages and start each page
  // just after the last key of the one before (last key + '\0'). A revision
  // that was compacted away is Error(Exit::io).
  RangeResult range(const std::string& key, const std::string& range_end, std::int64_t limit = 0,
                    std::int64_t revision = 0,
                    std::optional<std::chrono::milliseconds> budget = std::nullopt);
  // At most max_txn_ops compares, and as many operations in each branch.
  TxnResult txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                const std::vector<Op>& failure = {});
  // Returns the store's revision after the write.
  std::int64_t put(const std::string& key, const std::string& value);
  // Returns how many keys were deleted (0 or 1).
  std::int64_t del(const std::string& key);

  const ClientOptions& options() const;
  // Whether the last operation ended with no answer from any endpoint
  // within its budget (Error(Exit::temp_fail) from here).
  bool gave_up() const { return gave_up_; }
  // Until cleared (nullopt), no operation without a budget of its own goes
  // on past `deadline`: the operations of one decision share one budget.
  void limit_until(std::optional<std::chrono::steady_clock::time_point> deadline) {
    deadline_ = deadline;
  }

 private:
  // Runs `call(endpoint, timeout)` on the endpoints in turn, as the class
  // comment says.
  void run(const char* what, std::size_t request_bytes,
           const std::function<Outcome(std::size_t, std::chrono::milliseconds)>& call,
           std::optional<std::chrono::milliseconds> budget = std::nullopt);

  ClientOptions options_;
  std::unique_ptr<Transport> transport_;
  std::size_t preferred_ = 0;  // the endpoint that answered last
  bool gave_up_ = false;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

// Reads a TLS file for a transport: Error(Exit::config) naming it if it
// cannot be read or is empty.
std::string read_tls_file(const std::string& path, const char* what);

}  // namespace provlock::store::etcd
