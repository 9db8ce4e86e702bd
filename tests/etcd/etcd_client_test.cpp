// The etcd client (store/etcd/etcd_client.hpp) against a real cluster, one
// mode per step of etcd_client_test.sh, which starts the cluster
// (cluster.bash) and runs several of these processes at once. A mode exits 0
// when every check held, 1 after printing each one that did not.
//
// usage: etcd_client_test url
//        etcd_client_test basic ENDPOINTS PREFIX
//        etcd_client_test counter ENDPOINTS KEY N ID [READY_AT READY_FILE]
//        etcd_client_test expect ENDPOINTS KEY VALUE
//        etcd_client_test fill ENDPOINTS PREFIX N
//        etcd_client_test writer ENDPOINTS PREFIX N
//        etcd_client_test page ENDPOINTS PREFIX N LIMIT
//        etcd_client_test down ENDPOINTS TIMEOUT_MS RETRIES
//        etcd_client_test tls ENDPOINTS CA CERT KEY
//        etcd_client_test tls-refused ENDPOINTS CA [CERT KEY]
//        etcd_client_test latency ENDPOINTS N
//        etcd_client_test once ENDPOINTS
// ENDPOINTS is a comma-separated list of HOST:PORT. ETCD_TRANSPORT=http in
// the environment takes the JSON gateway's transport (etcd_http.hpp), any
// other value or none the gRPC one.
#include "store/etcd/etcd_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/etcd/etcd_http.hpp"
#include "tests/etcd/transport.hpp"

using namespace provlock::store::etcd;
using provlock::Error;
using provlock::Exit;
using Clock = std::chrono::steady_clock;

namespace {

int failures = 0;

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      ++failures;                                                                        \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond << std::endl; \
    }                                                                                    \
  } while (0)

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = list.find(',', start);
    out.push_back(list.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

ClientOptions options_for(const std::string& endpoints) {
  ClientOptions options;
  options.endpoints = split(endpoints);
  options.timeout = std::chrono::milliseconds(2000);
  options.retries = 4;
  return options;
}

TransportFactory transport() {
  return chosen_transport();
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The Error that `f` throws, or nullopt.
template <typename F>
std::optional<Error> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// ---- url --------------------------------------------------------------------

void check_bad_url(const std::string& url, const std::string& mention) {
  const auto e = error_of([&] { parse_etcd_url(url); });
  CHECK(e.has_value());
  if (!e) {
    std::cerr << "  accepted: " << url << "\n";
    return;
  }
  CHECK(e->code() == Exit::config);
  const std::string what = e->what();
  CHECK(what.find(mention) != std::string::npos);
  if (what.find(mention) == std::string::npos)
    std::cerr << "  message of " << url << " lacks '" << mention << "': " << what << "\n";
}

int mode_url() {
  auto u = parse_etcd_url("etcd://127.0.0.1:2379/provlock");
  CHECK(u.endpoints == std::vector<std::string>{"127.0.0.1:2379"});
  CHECK(u.prefix == "provlock");
  u = parse_etcd_url("etcd://a.example:2379,b-2.example:12379,[::1]:2379/site/a/");
  CHECK((u.endpoints ==
         std::vector<std::string>{"a.example:2379", "b-2.example:12379", "[::1]:2379"}));
  CHECK(u.prefix == "site/a/");
  u = parse_etcd_url("etcd://[fe80::1:2]:1/p");
  CHECK(u.endpoints == std::vector<std::string>{"[fe80::1:2]:1"});

  check_bad_url("http://127.0.0.1:2379/p", "not an etcd:// URL");
  check_bad_url("etcd://127.0.0.1:2379", "no /PREFIX");
  check_bad_url("etcd://127.0.0.1:2379/", "empty prefix");
  check_bad_url("etcd:///p", "no endpoint");
  check_bad_url("etcd://a:1,,b:2/p", "empty endpoint");
  check_bad_url("etcd://a:1,/p", "empty endpoint");
  check_bad_url("etcd://127.0.0.1/p", "has no port");
  check_bad_url("etcd://127.0.0.1:/p", "not 1-65535");
  check_bad_url("etcd://127.0.0.1:0/p", "not 1-65535");
  check_bad_url("etcd://127.0.0.1:65536/p", "not 1-65535");
  check_bad_url("etcd://127.0.0.1:23x9/p", "'23x9'");
  check_bad_url("etcd://127.0.0.1:-1/p", "not 1-65535");
  check_bad_url("etcd://:2379/p", "has no host");
  check_bad_url("etcd://::1:2379/p", "IPv6 goes in brackets");
  check_bad_url("etcd://[::1/p", "lacks ']'");
  check_bad_url("etcd://[::1]/p", "has no port");
  check_bad_url("etcd://[]:2379/p", "no IPv6 address");
  check_bad_url("etcd://[zz]:2379/p", "no IPv6 address");
  check_bad_url("etcd://a b:1/p", "not a name or an address");
  check_bad_url("etcd://a:1/p q", "space or a control character");

  CHECK(prefix_end("a/") == "a0");
  CHECK(prefix_end(std::string("a\xff", 2)) == "b");
  CHECK(prefix_end("") == std::string(1, '\0'));
  // base64 of the JSON gateway (RFC 4648's test vectors), both ways.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    CHECK(base64_encode(plain) == coded);
    CHECK(base64_decode(coded) == plain);
  }
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  CHECK(base64_decode(base64_encode(every_byte)) == every_byte);
  for (const char* bad : {"Zm9", "Zm9v=", "Zm=v", "Z===", "Zm9*", "=Zm9"}) {
    const auto refused = error_of([&] { base64_decode(bad); });
    CHECK(refused && refused->code() == Exit::io);
  }
  // The gateway takes plain text to IP addresses; TLS or a name is gRPC's.
  CHECK(http_transport_fits(options_for("127.0.0.1:2379,[::1]:2379")));
  CHECK(!http_transport_fits(options_for("127.0.0.1:2379,localhost:2379")));
  auto tls = options_for("127.0.0.1:2379");
  tls.ca = "/etc/ssl/ca.pem";
  CHECK(!http_transport_fits(tls));
  const auto named = error_of([] { http_transport(options_for("etcd.example:2379")); });
  CHECK(named && named->code() == Exit::config);
  // Clients check their options before any connection.
  const auto none = error_of([] { Client{ClientOptions{}, transport()}; });
  CHECK(none && none->code() == Exit::config);
  auto with_ca = options_for("127.0.0.1:1");
  with_ca.ca = "/nonexistent/ca.pem";
  const auto e = error_of([&] { Client{with_ca, transport()}; });
  CHECK(e && e->code() == Exit::config &&
        std::string(e->what()).find("/nonexistent/ca.pem") != std::string::npos);
  return failures;
}

// ---- basic ------------------------------------------------------------------

int mode_basic(const std::string& endpoints, const std::string& prefix) {
  Client client(options_for(endpoints), transport());
  const std::string a = prefix + "/a", b = prefix + "/b", c = prefix + "/c";

  // Round trip, and a key that is not there.
  const auto rev = client.put(a, "one");
  CHECK(rev > 0);
  auto got = client.get(a);
  CHECK(got.kv && got.kv->key == a && got.kv->value == "one");
  CHECK(got.kv && got.kv->mod_revision == rev && got.kv->create_revision == rev &&
        got.kv->version == 1);
  CHECK(got.revision >= rev);
  const auto missing = client.get(prefix + "/missing");
  CHECK(!missing.kv);
  CHECK(missing.revision >= rev);
  // Binary values and keys survive.
  const std::string binary("\0\xff\n\"", 4);
  client.put(prefix + "/bin" + binary, binary);
  got = client.get(prefix + "/bin" + binary);
  CHECK(got.kv && got.kv->value == binary);

  // get_many: three keys, one absent, at one revision.
  client.put(b, "two");
  const auto rev_b = client.put(b, "two again");
  const auto many = client.get_many({a, b, c});
  CHECK(many.kvs.size() == 3);
  CHECK(many.kvs[0] && many.kvs[0]->value == "one");
  CHECK(many.kvs[1] && many.kvs[1]->value == "two again" && many.kvs[1]->version == 2 &&
        many.kvs[1]->mod_revision == rev_b);
  CHECK(!many.kvs[2]);
  CHECK(many.revision >= rev_b);

  // Compare-and-set: a stale mod_revision fails and hands back the value.
  const auto a_now = client.get(a).kv->mod_revision;
  client.put(a, "changed by someone else");
  auto t = client.txn({Compare::mod_revision_is(a, a_now)}, {Op::put(a, "mine")}, {Op::get(a)});
  CHECK(!t.succeeded);
  CHECK(t.results.size() == 1 && t.results[0].kind == Op::Kind::range);
  CHECK(t.results.size() == 1 && t.results[0].kvs.size() == 1 &&
        t.results[0].kvs[0].value == "changed by someone else");
  CHECK(client.get(a).kv->value == "changed by someone else");
  // With the right one it succeeds; the revision is the write's.
  const auto current = t.results.at(0).kvs.at(0).mod_revision;
  t = client.txn({Compare::mod_revision_is(a, current)}, {Op::put(a, "mine"), Op::get(a)}, {});
  CHECK(t.succeeded);
  CHECK(t.results.size() == 2 && t.results[1].kvs.at(0).value == "mine");
  CHECK(client.get(a).kv->mod_revision == t.revision);
  // mod_revision 0: "still absent". Creates once, then fails.
  t = client.txn({Compare::mod_revision_is(c, 0)}, {Op::put(c, "created")});
  CHECK(t.succeeded);
  t = client.txn({Compare::mod_revision_is(c, 0)}, {Op::put(c, "again")}, {Op::get(c)});
  CHECK(!t.succeeded && t.results.at(0).kvs.at(0).value == "created");
  // Compare on value; absent keys never equal a value.
  t = client.txn({Compare::value_is(c, "created")}, {Op::del(c)});
  CHECK(t.succeeded && t.results.at(0).kind == Op::Kind::del && t.results.at(0).deleted == 1);
  t = client.txn({Compare::value_is(c, "")}, {Op::put(c, "x")});
  CHECK(!t.succeeded && !client.get(c).kv);
  CHECK(client.del(b) == 1);
  CHECK(client.del(b) == 0);

  // The limits: 128 ops pass, 129 are refused before reaching etcd (74).
  std::vector<Op> ops;
  for (int i = 0; i < int(max_txn_ops); ++i)
    ops.push_back(Op::put(prefix + "/many/" + std::to_string(i), "v"));
  CHECK(client.txn({}, ops).succeeded);
  CHECK(client.range(prefix + "/many/", prefix_end(prefix + "/many/")).kvs.size() == max_txn_ops);
  ops.push_back(Op::put(prefix + "/many/x", "v"));
  auto e = error_of([&] { client.txn({}, ops); });
  CHECK(e && e->code() == Exit::io);
  // So are 129 compares.
  std::vector<Compare> compares;
  for (int i = 0; i <= int(max_txn_ops); ++i) compares.push_back(Compare::mod_revision_is(a, 0));
  e = error_of([&] { client.txn(compares, {}); });
  CHECK(e && e->code() == Exit::io);
  compares.pop_back();
  CHECK(!client.txn(compares, {}).succeeded);  // 128 go through (and fail: a exists)
  e = error_of([&] { client.put(a, std::string(max_request_bytes, 'x')); });
  CHECK(e && e->code() == Exit::io);
  // A value just under the limit goes through (etcd's own check agrees).
  CHECK(client.put(a, std::string(max_request_bytes - 4096, 'x')) > 0);
  CHECK(client.get(a).kv->value.size() == max_request_bytes - 4096);
  return failures;
}

// ---- counter ----------------------------------------------------------------

std::int64_t number(const std::optional<KeyValue>& kv) {
  return kv ? std::stoll(kv->value) : 0;
}

// N increments of KEY by compare-and-set. Beside the counter, the same txn
// writes KEY/writer/ID = the increment's number: when a try got no answer
// but was applied, the next read finds its marker and does not add again.
int mode_counter(const std::string& endpoints, const std::string& key, int n, const std::string& id,
                 int ready_at, const std::string& ready_file) {
  Client client(options_for(endpoints), transport());
  const std::string marker = key + "/writer/" + id;
  int conflicts = 0, unanswered = 0, applied_unseen = 0;
  for (int seq = 1; seq <= n; ++seq) {
    for (int attempt = 0;; ++attempt) {
      if (attempt > 10000) {
        std::cerr << "counter " << id << ": increment " << seq << " never went through\n";
        return 1;
      }
      try {
        const auto now = client.get_many({key, marker});
        if (number(now.kvs[1]) == seq) {
          ++applied_unseen;
          break;
        }
        const auto mod = now.kvs[0] ? now.kvs[0]->mod_revision : 0;
        const auto t = client.txn({Compare::mod_revision_is(key, mod)},
                                  {Op::put(key, std::to_string(number(now.kvs[0]) + 1)),
                                   Op::put(marker, std::to_string(seq))});
        if (t.succeeded) break;
        ++conflicts;
      } catch (const Error& e) {
        ++unanswered;
        std::cerr << "counter " << id << ": " << e.what() << "\n";
      }
    }
    if (seq == ready_at) std::ofstream(ready_file) << "ready\n";
  }
  std::cout << "counter " << id << ": " << n << " increments, " << conflicts << " conflicts, "
            << applied_unseen << " applied without an answer, " << unanswered
            << " operations that failed" << std::endl;
  // Failover must be invisible: no operation may give up.
  return unanswered == 0 ? 0 : 1;
}

int mode_expect(const std::string& endpoints, const std::string& key, const std::string& value) {
  Client client(options_for(endpoints), transport());
  const auto got = client.get(key);
  CHECK(got.kv && got.kv->value == value);
  if (!got.kv || got.kv->value != value)
    std::cerr << key << " holds " << (got.kv ? "'" + got.kv->value + "'" : "nothing")
              << ", expected '" << value << "'\n";
  return failures;
}

// ---- paging -----------------------------------------------------------------

std::string page_key(const std::string& prefix, int i) {
  char name[16];
  std::snprintf(name, sizeof name, "%05d", i);
  return prefix + "/" + name;
}

int mode_fill(const std::string& endpoints, const std::string& prefix, int n) {
  Client client(options_for(endpoints), transport());
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i) {
    ops.push_back(Op::put(page_key(prefix, i), std::to_string(i)));
    if (ops.size() == max_txn_ops || i == n - 1) {
      CHECK(client.txn({}, ops).succeeded);
      ops.clear();
    }
  }
  return failures;
}

// New keys that sort between the filled ones ("00012+"), one by one.
int mode_writer(const std::string& endpoints, const std::string& prefix, int n) {
  Client client(options_for(endpoints), transport());
  for (int i = 0; i < n; ++i) client.put(page_key(prefix, (i * 7) % 1000) + "+", "new");
  return 0;
}

int mode_page(const std::string& endpoints, const std::string& prefix, int n, int limit) {
  Client client(options_for(endpoints), transport());
  const std::string end = prefix_end(prefix + "/");
  std::string start = prefix + "/";
  std::int64_t revision = 0;
  std::vector<std::string> seen;
  int pages = 0;
  // Page only once the writer (another process, slow to start on a loaded
  // machine) has begun: it goes on writing new keys while the pages are read.
  auto key_count = [&] { return client.range(prefix + "/", end, 0).kvs.size(); };
  for (int i = 0; i < 500 && key_count() <= std::size_t(n); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (;;) {
    const auto page = client.range(start, end, limit, revision);
    ++pages;
    if (revision == 0) revision = page.revision;
    CHECK(page.revision == revision);
    CHECK(page.kvs.size() <= std::size_t(limit));
    for (const auto& kv : page.kvs) seen.push_back(kv.key);
    if (!page.more) break;
    CHECK(!page.kvs.empty());
    start = page.kvs.back().key + '\0';
    // Give the writer time to change the store between pages.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Each key once; the 1000 filled ones all there; nothing written after
  // the revision; and the same keys as one read of the whole range at it.
  const std::set<std::string> unique(seen.begin(), seen.end());
  CHECK(unique.size() == seen.size());
  for (int i = 0; i < n; ++i) CHECK(unique.count(page_key(prefix, i)) == 1);
  const auto whole = client.range(prefix + "/", end, 0, revision);
  std::vector<std::string> at_revision;
  for (const auto& kv : whole.kvs) {
    at_revision.push_back(kv.key);
    CHECK(kv.mod_revision <= revision);
  }
  CHECK(at_revision == seen);
  CHECK(pages == int(seen.size() + limit - 1) / limit);
  // The writer did write meanwhile: the store moved past the revision read,
  // with keys among those paged (waited for a while: a starved writer may
  // write its next key only after the last page).
  auto now_all = client.range(prefix + "/", end, 0);
  for (int i = 0; i < 500 && now_all.kvs.size() <= seen.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    now_all = client.range(prefix + "/", end, 0);
  }
  std::cout << "paged " << seen.size() << " keys in " << pages << " pages at revision " << revision
            << "; meanwhile the store moved to " << now_all.revision << " and holds "
            << now_all.kvs.size() << " keys" << std::endl;
  CHECK(now_all.revision > revision);
  CHECK(now_all.kvs.size() > seen.size());
  return failures;
}

// ---- down -------------------------------------------------------------------

// Every endpoint down (refused), then one that accepts connections but never
// speaks (every try runs to its deadline): both end in Error 75 within the
// budget, naming the endpoints.
int mode_down(const std::string& endpoints, int timeout_ms, int retries) {
  const double budget = double(timeout_ms) * (retries + 1);
  auto options = options_for(endpoints);
  options.timeout = std::chrono::milliseconds(timeout_ms);
  options.retries = retries;
  auto attempt = [&](const ClientOptions& o, const char* what) {
    Client client(o, transport());
    const auto start = Clock::now();
    const auto e =
        error_of([&] { client.txn({Compare::mod_revision_is("k", 0)}, {Op::put("k", "v")}); });
    const double took = ms_since(start);
    std::cout << what << ": failed in " << took << " ms (budget " << budget
              << " ms): " << (e ? e->what() : "no error") << std::endl;
    CHECK(e && e->code() == Exit::temp_fail);
    CHECK(e && std::string(e->what()).find(o.endpoints.back()) != std::string::npos);
    CHECK(took < 3 * budget);
    return took;
  };
  attempt(options, "all nodes down");

  // A server that accepts connections and never answers, as a hung node
  // does: every try runs to its deadline.
  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  CHECK(bind(silent, reinterpret_cast<sockaddr*>(&address), length) == 0);
  CHECK(listen(silent, 16) == 0);
  CHECK(getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  std::thread([silent] {
    for (int held; (held = accept(silent, nullptr, nullptr)) >= 0;) {
      // held open, never read: the process's exit closes it
    }
  }).detach();
  options.endpoints = {"127.0.0.1:" + std::to_string(ntohs(address.sin_port))};
  const double took = attempt(options, "a silent endpoint");
  // It waited for its deadlines rather than giving up early.
  CHECK(took > 0.5 * budget);
  shutdown(silent, SHUT_RDWR);
  return failures;
}

// ---- tls --------------------------------------------------------------------

int mode_tls(const std::string& endpoints, const std::string& ca, const std::string& cert,
             const std::string& key) {
  auto options = options_for(endpoints);
  options.ca = ca;
  options.cert = cert;
  options.key = key;
  Client client(options, transport());
  const auto rev = client.put("tls/key", "over TLS");
  const auto got = client.get("tls/key");
  CHECK(got.kv && got.kv->value == "over TLS" && got.kv->mod_revision == rev);
  return failures;
}

int mode_tls_refused(const std::string& endpoints, const std::string& ca, const std::string& cert,
                     const std::string& key) {
  auto options = options_for(endpoints);
  options.timeout = std::chrono::milliseconds(1000);
  options.retries = 1;
  if (!ca.empty()) options.ca = ca;
  if (!cert.empty()) options.cert = cert;
  if (!key.empty()) options.key = key;
  Client client(options, transport());
  const auto e = error_of([&] { client.get("tls/key"); });
  CHECK(e.has_value());
  if (e) {
    std::cout << "refused: " << e->what() << std::endl;
    CHECK(e->code() == Exit::temp_fail || e->code() == Exit::io);
    CHECK(std::string(e->what()).find(options.endpoints[0]) != std::string::npos);
  }
  return failures;
}

// ---- latency ----------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int mode_latency(const std::string& endpoints, int n) {
  Client client(options_for(endpoints), transport());
  const std::string key = "latency/key";
  client.put(key, "0");
  std::vector<double> gets, txns;
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    const auto got = client.get(key);
    gets.push_back(ms_since(start));
    start = Clock::now();
    const auto t = client.txn({Compare::mod_revision_is(key, got.kv->mod_revision)},
                              {Op::put(key, std::to_string(i))});
    txns.push_back(ms_since(start));
    CHECK(t.succeeded);
  }
  std::cout << "median get " << median(gets) << " ms, median CAS txn " << median(txns)
            << " ms over " << n << " each" << std::endl;
  return failures;
}

int mode_once(const std::string& endpoints) {
  Client client(options_for(endpoints), transport());
  const auto got = client.get("latency/key");
  const auto t =
      client.txn({Compare::mod_revision_is("latency/key", got.kv ? got.kv->mod_revision : 0)},
                 {Op::put("latency/key", "once")});
  return t.succeeded ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  auto arg = [&](std::size_t i) { return i < a.size() ? a[i] : std::string(); };
  try {
    const std::string mode = arg(0);
    int rc = -1;
    if (mode == "url") rc = mode_url();
    if (mode == "basic") rc = mode_basic(arg(1), arg(2));
    if (mode == "counter")
      rc = mode_counter(arg(1), arg(2), std::stoi(arg(3)), arg(4),
                        a.size() > 5 ? std::stoi(arg(5)) : -1, arg(6));
    if (mode == "expect") rc = mode_expect(arg(1), arg(2), arg(3));
    if (mode == "fill") rc = mode_fill(arg(1), arg(2), std::stoi(arg(3)));
    if (mode == "writer") rc = mode_writer(arg(1), arg(2), std::stoi(arg(3)));
    if (mode == "page") rc = mode_page(arg(1), arg(2), std::stoi(arg(3)), std::stoi(arg(4)));
    if (mode == "down") rc = mode_down(arg(1), std::stoi(arg(2)), std::stoi(arg(3)));
    if (mode == "tls") rc = mode_tls(arg(1), arg(2), arg(3), arg(4));
    if (mode == "tls-refused") rc = mode_tls_refused(arg(1), arg(2), arg(3), arg(4));
    if (mode == "latency") rc = mode_latency(arg(1), std::stoi(arg(2)));
    if (mode == "once") rc = mode_once(arg(1));
    if (rc < 0) std::cerr << "etcd_client_test: unknown mode '" << mode << "'\n";
    if (rc > 0) std::cerr << "etcd_client_test " << mode << ": " << rc << " failed\n";
    return rc == 0 ? 0 : 1;
  } catch (const Error& e) {
    std::cerr << "etcd_client_test: " << e.what() << " (exit " << int(e.code()) << ")\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "etcd_client_test: " << e.what() << "\n";
    return 1;
  }
}
