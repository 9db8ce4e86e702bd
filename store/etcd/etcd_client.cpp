#include "store/etcd/etcd_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace provlock::store::etcd {

// ---- URL -------------------------------------------------------------------

namespace {

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw Error(Exit::config, "store URL " + quoted(url) + ": " + why +
                                " (expected etcd://HOST:PORT[,HOST:PORT...]/PREFIX)");
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// "HOST:PORT" or "[V6]:PORT", checked; returned as given.
std::string endpoint(std::string_view url, std::string_view text) {
  if (text.empty()) bad_url(url, "an empty endpoint");
  std::string_view host, port;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) bad_url(url, "endpoint " + quoted(text) + " lacks ']'");
    host = text.substr(1, close - 1);
    if (host.empty() ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
        host.find(':') == std::string_view::npos)
      bad_url(url, "endpoint " + quoted(text) + " has no IPv6 address in brackets");
    if (close + 1 >= text.size() || text[close + 1] != ':')
      bad_url(url, "endpoint " + quoted(text) + " has no port");
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) bad_url(url, "endpoint " + quoted(text) + " has no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.empty()) bad_url(url, "endpoint " + quoted(text) + " has no host");
    if (!std::all_of(host.begin(), host.end(), host_char))
      bad_url(url, "endpoint " + quoted(text) +
                       " has a host that is not a name or an address (IPv6 goes in brackets)");
  }
  unsigned long number = 0;
  const bool digits =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) number = std::stoul(std::string(port));
  if (!digits || number < 1 || number > 65535)
    bad_url(url, "endpoint " + quoted(text) + " has port " + quoted(port) + ", not 1-65535");
  return std::string(text);
}

}  // namespace

EtcdUrl parse_etcd_url(std::string_view url) {
  constexpr std::string_view scheme = "etcd://";
  if (url.substr(0, scheme.size()) != scheme) bad_url(url, "not an etcd:// URL");
  const std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) bad_url(url, "no /PREFIX after the endpoints");
  const std::string_view hosts = rest.substr(0, slash);
  EtcdUrl parsed;
  parsed.prefix = std::string(rest.substr(slash + 1));
  if (hosts.empty()) bad_url(url, "no endpoint");
  if (parsed.prefix.empty()) bad_url(url, "an empty prefix");
  if (std::any_of(parsed.prefix.begin(), parsed.prefix.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    bad_url(url, "a prefix with a space or a control character");
  std::size_t start = 0;
  for (;;) {
    const auto comma = hosts.find(',', start);
    parsed.endpoints.push_back(endpoint(url, hosts.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parsed;
}

// ---- Requests --------------------------------------------------------------

Compare Compare::mod_revision_is(std::string key, std::int64_t revision) {
  Compare c;
  c.target = Target::mod_revision;
  c.key = std::move(key);
  c.mod_revision = revision;
  return c;
}

Compare Compare::none_changed_since(std::string key, std::string range_end, std::int64_t revision) {
  Compare c = mod_revision_is(std::move(key), revision + 1);
  c.range_end = std::move(range_end);
  c.before = true;
  return c;
}

Compare Compare::value_is(std::string key, std::string value) {
  Compare c;
  c.target = Target::value;
  c.key = std::move(key);
  c.value = std::move(value);
  return c;
}

Op Op::put(std::string key, std::string value) {
  Op op;
  op.kind = Kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

Op Op::del(std::string key) {
  Op op;
  op.kind = Kind::del;
  op.key = std::move(key);
  return op;
}

Op Op::get(std::string key) {
  Op op;
  op.kind = Kind::range;
  op.key = std::move(key);
  return op;
}

Op Op::range(std::string key, std::string range_end, std::int64_t limit) {
  Op op = get(std::move(key));
  op.range_end = std::move(range_end);
  op.limit = limit;
  return op;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

std::string read_tls_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  const int open_error = errno;
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad())
    throw Error(Exit::config, std::string("cannot read the etcd ") + what + " " + quoted(path) +
                                  (in.is_open() ? std::string(": a read failed")
                                                : ": " + std::string(std::strerror(open_error))));
  // An empty PEM file would turn into "no CA given" or "no certificate" deep
  // inside the TLS library, and then into a handshake that fails without
  // saying why.
  if (text.str().empty())
    throw Error(Exit::config, std::string("the etcd ") + what + " " + quoted(path) + " is empty");
  return text.str();
}

// ---- Client ----------------------------------------------------------------

namespace {

std::string joined(const std::vector<std::string>& endpoints) {
  std::string out;
  for (const auto& e : endpoints) out += (out.empty() ? "" : ", ") + e;
  return out;
}

// A server's message, for an error line: control characters (a line
// break that would start a line of its own in a log) as '?', at most 300
// bytes.
std::string printable(std::string text) {
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return text;
}

// What a request costs against etcd's limit on its size: its keys and
// values, and a little for each field's framing. (Close to the protobuf
// size, which etcd counts; the limit's check is etcd's in the end.)
std::size_t bytes_of(const Op& op) {
  return op.key.size() + op.value.size() + op.range_end.size() + 16;
}

std::size_t bytes_of(const Compare& compare) {
  return compare.key.size() + compare.range_end.size() + compare.value.size() + 16;
}

}  // namespace

Client::Client(ClientOptions options, const TransportFactory& make) : options_(std::move(options)) {
  if (options_.endpoints.empty()) throw Error(Exit::config, "etcd: no endpoint given");
  if (options_.timeout.count() <= 0) throw Error(Exit::config, "etcd: the timeout must be above 0");
  options_.retries = std::max(options_.retries, 0);
  if (!options_.ca && (options_.cert || options_.key))
    throw Error(Exit::config, "etcd: a client certificate needs a CA file too (TLS)");
  transport_ = make(options_);
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const {
  return options_;
}

void Client::run(const char* what, std::size_t request_bytes,
                 const std::function<Outcome(std::size_t, std::chrono::milliseconds)>& call,
                 std::optional<std::chrono::milliseconds> budget_given) {
  if (request_bytes >= max_request_bytes)
    throw Error(Exit::io, std::string("etcd ") + what + ": a request of " +
                              std::to_string(request_bytes) + " bytes, over etcd's limit of " +
                              std::to_string(max_request_bytes));
  gave_up_ = false;
  // The budget is on the monotonic clock.
  using Clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  const auto started = Clock::now();
  const auto budget = budget_given ? *budget_given : options_.timeout * (options_.retries + 1);
  auto give_up = started + budget;
  if (!budget_given && deadline_) give_up = std::min(give_up, *deadline_);
  std::string last;
  int tries = 0;
  auto pause = milliseconds(100);
  const std::size_t count = options_.endpoints.size();
  for (int round = 0; round <= options_.retries; ++round) {
    if (round > 0) {
      const auto left = give_up - Clock::now();
      if (left <= pause) break;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, milliseconds(1000));
    }
    for (std::size_t i = 0; i < count; ++i) {
      const auto now = Clock::now();
      if (now >= give_up) break;
      const std::size_t index = (preferred_ + i) % count;
      const auto timeout =
          std::max(milliseconds(1),
                   std::min(options_.timeout, std::chrono::ceil<milliseconds>(give_up - now)));
      ++tries;
      const Outcome outcome = call(index, timeout);
      if (outcome.kind == Outcome::Kind::ok) {
        preferred_ = index;
        return;
      }
      last = options_.endpoints[index] + ": " + printable(outcome.message);
      switch (outcome.kind) {
        case Outcome::Kind::refused_for_who:
          // Refused for who we are: the configuration's to mend.
          throw Error(Exit::config, std::string("etcd ") + what + " refused by " + last +
                                        " (check [store] cert, key and etcd's roles)");
        case Outcome::Kind::no_space:
          // etcd's NOSPACE alarm lasts until an operator compacts,
          // defragments and disarms it: a full disk.
          throw Error(Exit::io, std::string("etcd ") + what + " refused by " + last +
                                    " (etcd is out of space: compact, defragment and disarm "
                                    "its NOSPACE alarm)");
        case Outcome::Kind::misconfigured:
          throw Error(Exit::config, std::string("etcd ") + what + ": " + last);
        case Outcome::Kind::refused:
          throw Error(Exit::io, std::string("etcd ") + what + " refused by " + last);
        case Outcome::Kind::no_answer:
        case Outcome::Kind::busy:
        case Outcome::Kind::ok:
          break;  // the next endpoint may answer
      }
    }
  }
  const auto spent = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
  gave_up_ = true;
  throw Error(
      Exit::temp_fail,
      std::string("etcd ") + what + ": no answer from " + joined(options_.endpoints) + " (" +
          std::to_string(tries) + (tries == 1 ? " try" : " tries") + " in " +
          std::to_string(spent) + " ms, budget " + std::to_string(budget.count()) + " ms; " +
          (last.empty() ? "no time left of the decision's budget" : "last: " + last) + ")" +
          (options_.ca ? "; over TLS, a certificate refused by either side looks the same" : ""));
}

GetResult Client::get(const std::string& key) {
  return get(key, options_.timeout * (options_.retries + 1));
}

GetResult Client::get(const std::string& key, std::chrono::milliseconds budget) {
  const RangeResult found = range(key, "", 1, 0, budget);
  GetResult result;
  result.revision = found.revision;
  if (!found.kvs.empty()) result.kv = found.kvs.front();
  return result;
}

GetManyResult Client::get_many(const std::vector<std::string>& keys) {
  std::vector<Op> reads;
  reads.reserve(keys.size());
  for (const auto& key : keys) reads.push_back(Op::get(key));
  const TxnResult response = txn({}, reads);
  GetManyResult result;
  result.revision = response.revision;
  if (response.results.size() != keys.size())
    throw Error(Exit::io, "etcd answered a read of " + std::to_string(keys.size()) + " keys with " +
                              std::to_string(response.results.size()) + " results");
  for (const auto& one : response.results)
    result.kvs.push_back(one.kvs.empty() ? std::nullopt : std::optional(one.kvs.front()));
  return result;
}

RangeResult Client::range(const std::string& key, const std::string& range_end, std::int64_t limit,
                          std::int64_t revision, std::optional<std::chrono::milliseconds> budget) {
  const Op request = Op::range(key, range_end, limit);
  RangeResult result;
  run(
      "read", bytes_of(request),
      [&](std::size_t endpoint, std::chrono::milliseconds timeout) {
        result = RangeResult{};
        return transport_->range(endpoint, request, revision, timeout, result);
      },
      budget);
  if (revision != 0) result.revision = revision;
  return result;
}

TxnResult Client::txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                      const std::vector<Op>& failure) {
  // etcd counts the compares and each branch's ops against the limit.
  const std::size_t most = std::max({compares.size(), success.size(), failure.size()});
  if (most > max_txn_ops)
    throw Error(Exit::io, "etcd txn: a txn of " + std::to_string(most) +
                              " compares or operations in one branch, over etcd's limit of " +
                              std::to_string(max_txn_ops));
  std::size_t bytes = 0;
  for (const auto& c : compares) bytes += bytes_of(c);
  for (const auto& op : success) bytes += bytes_of(op);
  for (const auto& op : failure) bytes += bytes_of(op);
  TxnResult result;
  run("txn", bytes, [&](std::size_t endpoint, std::chrono::milliseconds timeout) {
    result = TxnResult{};
    return transport_->txn(endpoint, compares, success, failure, timeout, result);
  });
  return result;
}

std::int64_t Client::put(const std::string& key, const std::string& value) {
  return txn({}, {Op::put(key, value)}).revision;
}

std::int64_t Client::del(const std::string& key) {
  const TxnResult result = txn({}, {Op::del(key)});
  return result.results.empty() ? 0 : result.results.front().deleted;
}

}  // namespace provlock::store::etcd
