// The etcd store (store/etcd/etcd_store.hpp) and check's decision loop on
// it, against a real cluster: one mode per step of etcd_store_test.sh, which
// starts the cluster (cluster.bash) and runs several of these processes at
// once. A mode exits 0 when every check held, 1 after printing each one that
// did not.
//
// usage: etcd_store_test conflict ENDPOINTS PREFIX WORKDIR
//        etcd_store_test create ENDPOINTS PREFIX WORKDIR
//        etcd_store_test scan ENDPOINTS PREFIX WORKDIR N
//        etcd_store_test cas ENDPOINTS PREFIX WORKDIR N ID
//        etcd_store_test expect ENDPOINTS PREFIX WORKDIR VALUE
// ENDPOINTS is a comma-separated list of HOST:PORT; PREFIX the store's
// prefix in etcd; WORKDIR a folder for the journals.
#include "store/etcd/etcd_store.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/bans.hpp"
#include "lib/records.hpp"
#include "ops/check.hpp"
#include "ops/session.hpp"
#include "ops/window.hpp"
#include "store/etcd/etcd_client.hpp"
#include "store/records_io.hpp"
#include "tests/etcd/transport.hpp"

using namespace provlock;
using store::EtcdStore;
using store::Kind;
using store::Write;
namespace fs = std::filesystem;

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

store::etcd::TransportFactory transport() {
  return chosen_transport();
}

store::etcd::ClientOptions options() {
  store::etcd::ClientOptions o;
  o.timeout = std::chrono::milliseconds(2000);
  o.retries = 2;
  return o;
}

std::unique_ptr<EtcdStore> open_store(const std::string& endpoints, const std::string& prefix,
                                      const std::string& journal_dir) {
  return std::make_unique<EtcdStore>("etcd://" + endpoints + "/" + prefix, options(), journal_dir,
                                     std::chrono::milliseconds(20000), transport());
}

store::etcd::Client raw_client(const std::string& endpoints) {
  auto o = options();
  o.endpoints = split(endpoints);
  return store::etcd::Client(o, transport());
}

// The lines of every journal file under `dir` (none: the folder may not
// exist).
std::vector<std::string> journal_lines(const std::string& dir) {
  std::vector<std::string> lines;
  if (!fs::exists(dir)) return lines;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return lines;
}

// A Store that hands everything to `inner`, except that before each
// commit_decision it changes the device `mac` through `other` (another
// store, another connection: another server), so that the decision's
// compare on the device fails every time.
class InterferingStore final : public store::Store {
 public:
  InterferingStore(EtcdStore& inner, EtcdStore& other, std::string mac)
      : inner_(inner), other_(other), mac_(std::move(mac)) {}

  int begins = 0, commits = 0, abandons = 0, interferences = 0;
  bool interfere = true;
  // Done before a commit instead of the change to the device, when set
  // (once: it clears itself).
  std::function<void()> act;

  std::string where(Kind kind, const std::string& key) const override {
    return inner_.where(kind, key);
  }
  std::optional<store::Found> load(Kind kind, const std::string& key) override {
    return inner_.load(kind, key);
  }
  void update_text(Kind kind, const std::string& key, const store::TextChange& change) override {
    inner_.update_text(kind, key, change);
  }
  void update_each(Kind kind, const std::vector<std::string>& keys,
                   const store::KeyedChange& change,
                   const std::function<void(const std::string& key)>& done,
                   const store::OnError& on_error) override {
    inner_.update_each(kind, keys, change, done, on_error);
  }
  std::vector<bool> create_all(Kind kind,
                               const std::vector<std::pair<std::string, store::Json>>& records,
                               const std::function<void(std::size_t)>& created) override {
    return inner_.create_all(kind, records, created);
  }
  void scan(Kind kind, const store::Visit& visit, const store::OnError& on_error) override {
    inner_.scan(kind, visit, on_error);
  }
  void append_journal_line(UnixTime time, std::string line, store::Durability durability) override {
    inner_.append_journal_line(time, std::move(line), durability);
  }
  void scan_journal(UnixTime since, const std::function<void(const store::Json&)>& visit,
                    const store::OnError& on_error) override {
    inner_.scan_journal(since, visit, on_error);
  }
  store::Maintenance maintain(UnixTime journal_before, bool dry_run,
                              const store::OnError& on_error) override {
    return inner_.maintain(journal_before, dry_run, on_error);
  }
  void begin_decision(const std::vector<RecordName>& reads,
                      const std::vector<Kind>& scans) override {
    ++begins;
    inner_.begin_decision(reads, scans);
  }
  bool commit_decision() override {
    ++commits;
    if (act) {
      std::exchange(act, nullptr)();
    } else if (interfere) {
      ++interferences;
      store::update_record<Device>(other_, mac_, [&](std::optional<Device>& d) {
        d->label = "interference " + std::to_string(interferences);
        return Write::durable;
      });
    }
    return inner_.commit_decision();
  }
  void abandon_decision() override {
    ++abandons;
    inner_.abandon_decision();
  }
  std::string journal_host() const override { return inner_.journal_host(); }

 private:
  EtcdStore& inner_;
  EtcdStore& other_;
  std::string mac_;
};

// A registered device, created through `st`, an hour before `now`.
void register_device(EtcdStore& st, const Mac& mac, UnixTime now, const std::string& label = "") {
  Device d;
  d.mac = mac;
  d.registered = now - 3600;
  d.label = label;
  CHECK(st.create_all(Kind::device, {{mac.str(), to_json(d)}}, [](std::size_t) {}) ==
        std::vector<bool>{true});
}

// Makes `s` a session at `now` on an InterferingStore over `inner` (`other`
// for its interference on `mac`), which it returns.
InterferingStore& interfering_session(ops::Session& s, EtcdStore& inner, EtcdStore& other,
                                      const Mac& mac, UnixTime now) {
  auto interfering = std::make_unique<InterferingStore>(inner, other, mac.str());
  InterferingStore& st = *interfering;
  s.store = std::move(interfering);
  s.now = now;
  s.who = store::Json{{"user", "test"}};
  return st;
}

// judge_fetch, and how many milliseconds it took.
std::pair<ops::FetchResult, long long> timed_fetch(ops::Session& s, const Fetch& fetch) {
  const auto started = std::chrono::steady_clock::now();
  ops::FetchResult r = ops::judge_fetch(s, fetch, false);
  return {std::move(r), std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count()};
}

// A compare that keeps failing: judge_fetch takes its decision
// kDecisionTries times, then answers deny store-error with a temp_fail
// Error, and nothing of it was written: no binding, no counter, no address
// record, no journal line; the device holds only the other server's writes.
int conflict(const std::string& endpoints, const std::string& prefix, const std::string& work) {
  const std::string journal = work + "/conflict-journal";
  auto inner = open_store(endpoints, prefix, journal);
  auto other = open_store(endpoints, prefix, work + "/conflict-other-journal");
  const Mac mac = parse_mac("02:00:00:00:03:01");
  const Ip ip = parse_ip("10.4.0.1");
  const UnixTime now = parse_time("2026-12-07T12:00:00Z");

  register_device(*inner, mac, now, "registered");
  auto client = raw_client(endpoints);
  const std::string device_key = inner->etcd_key(Kind::device, mac.str());
  const std::string address_key =
      inner->etcd_key(Kind::ban, store::address_key(ban_key(ip, Config{})));
  const std::string rules_key = inner->etcd_key(Kind::meta, store::kRulesKey);
  const auto before = client.get(device_key);
  CHECK(before.kv && before.kv->version == 1);

  ops::Session s;
  InterferingStore& st = interfering_session(s, *inner, *other, mac, now);
  auto [r, ms] = timed_fetch(s, Fetch{mac, ip, {}});
  std::cout << "judge_fetch under interference: " << (r.allow ? "allow " : "deny ")
            << token(r.reason) << " after " << st.begins << " decisions, " << st.commits
            << " commits, " << ms << " ms"
            << (r.store_error ? std::string(": ") + r.store_error->what() : std::string()) << "\n";
  CHECK(!r.allow);
  CHECK(r.reason == Reason::store_error);
  CHECK(r.store_error.has_value());
  if (r.store_error) CHECK(r.store_error->code() == Exit::temp_fail);
  CHECK(st.begins == ops::kDecisionTries);
  CHECK(st.commits == ops::kDecisionTries);
  CHECK(st.interferences == ops::kDecisionTries);
  CHECK(!r.device);

  // Only the interfering writes reached the device: version 1 + 16, its
  // label the last one's, nothing of the fetch.
  const auto after = client.get(device_key);
  CHECK(after.kv.has_value());
  if (after.kv) {
    CHECK(after.kv->version == 1 + ops::kDecisionTries);
    Device now_d = device_from_json(store::Json::parse(after.kv->value));
    CHECK(now_d.label == "interference " + std::to_string(ops::kDecisionTries));
    CHECK(!now_d.bound_ip);
    CHECK(!now_d.first_provisioned);
    CHECK(!now_d.last_seen);
    CHECK(!now_d.last_ip);
    CHECK(now_d.allowed == 0);
    CHECK(now_d.denied == 0);
  }
  CHECK(!client.get(address_key).kv);
  CHECK(!client.get(rules_key).kv);
  CHECK(journal_lines(journal).empty());

  // The same store, left alone, decides and writes once.
  st.interfere = false;
  r = ops::judge_fetch(s, Fetch{mac, ip, {}}, false);
  CHECK(r.allow);
  CHECK(r.reason == Reason::first_provision);
  const auto lines = journal_lines(journal);
  CHECK(lines.size() == 1);
  if (lines.size() == 1)
    CHECK(lines[0].find("\"reason\":\"first-provision\"") != std::string::npos);
  const auto final_kv = client.get(device_key);
  if (final_kv.kv) {
    CHECK(final_kv.kv->version == 2 + ops::kDecisionTries);
    Device now_d = device_from_json(store::Json::parse(final_kv.kv->value));
    CHECK(now_d.bound_ip == ip);
    CHECK(now_d.allowed == 1);
    CHECK(now_d.label == "interference " + std::to_string(ops::kDecisionTries));
  }
  return failures ? 1 : 0;
}

// A window deleted between a decision's read and its commit: the commit
// must not hold (it compares every window it read, not only "no window
// written since"), and the decision taken again, without the window,
// denies. A locked phone, a window for another address, and a fetch from
// there whose window another server closes meanwhile.
int window_gone(const std::string& endpoints, const std::string& prefix, const std::string& work) {
  auto inner = open_store(endpoints, prefix, work + "/window-journal");
  auto other = open_store(endpoints, prefix, work + "/window-other-journal");
  const Mac mac = parse_mac("02:00:00:00:04:01");
  const Ip home = parse_ip("10.5.0.1"), away = parse_ip("10.5.0.9");
  const UnixTime now = parse_time("2026-12-07T12:00:00Z");
  register_device(*inner, mac, now);
  ops::Session s;
  InterferingStore& st = interfering_session(s, *inner, *other, mac, now);
  st.interfere = false;
  CHECK(ops::judge_fetch(s, Fetch{mac, home, {}}, false).reason == Reason::first_provision);
  const Window w{Prefix{away, 32}, AccountScope{}, now, now + 3600};
  ops::open_window(s, w);
  const std::string window = inner->etcd_key(Kind::window, store::window_key(w.prefix));
  auto client = raw_client(endpoints);
  CHECK(client.get(window).kv.has_value());

  const int begins_before = st.begins;
  st.act = [&] { CHECK(client.del(window) == 1); };
  ops::FetchResult r = ops::judge_fetch(s, Fetch{mac, away, {}}, false);
  std::cout << "window closed before the commit: " << (r.allow ? "allow " : "deny ")
            << token(r.reason) << " after " << st.begins - begins_before << " decisions\n";
  CHECK(!r.allow);
  CHECK(r.reason == Reason::locked);
  CHECK(st.begins - begins_before == 2);
  const auto after = client.get(inner->etcd_key(Kind::device, mac.str()));
  CHECK(after.kv.has_value());
  if (after.kv) CHECK(device_from_json(store::Json::parse(after.kv->value)).bound_ip == home);
  return failures ? 1 : 0;
}

// A decision's read and write share one budget, timeout * (retries + 1):
// a check whose read came and whose process then stalled past the budget
// gives up at its write, at once (deny store-error, 75), rather than
// taking a second budget for it. Nothing is written.
int budget(const std::string& endpoints, const std::string& prefix, const std::string& work) {
  auto o = options();
  o.timeout = std::chrono::milliseconds(300);
  o.retries = 0;
  auto url = "etcd://" + endpoints + "/" + prefix;
  EtcdStore inner(url, o, work + "/budget-journal", std::chrono::milliseconds(2000), transport());
  EtcdStore other(url, o, work + "/budget-other-journal", std::chrono::milliseconds(2000),
                  transport());
  const Mac mac = parse_mac("02:00:00:00:05:01");
  const Ip ip = parse_ip("10.6.0.1");
  const UnixTime now = parse_time("2026-12-07T12:00:00Z");
  register_device(inner, mac, now);
  ops::Session s;
  InterferingStore& st = interfering_session(s, inner, other, mac, now);
  st.interfere = false;
  st.act = [] { std::this_thread::sleep_for(std::chrono::milliseconds(450)); };
  auto [r, ms] = timed_fetch(s, Fetch{mac, ip, {}});
  std::cout << "a decision past its budget: " << (r.allow ? "allow " : "deny ") << token(r.reason)
            << " in " << ms << " ms"
            << (r.store_error ? std::string(": ") + r.store_error->what() : std::string()) << "\n";
  CHECK(!r.allow);
  CHECK(r.reason == Reason::store_error);
  CHECK(r.store_error && r.store_error->code() == Exit::temp_fail);
  CHECK(r.store_error &&
        std::string(r.store_error->what()).find("no time left") != std::string::npos);
  CHECK(st.begins == 1);
  CHECK(ms < 1500);
  auto client = raw_client(endpoints);
  const auto after = client.get(inner.etcd_key(Kind::device, mac.str()));
  CHECK(after.kv && after.kv->version == 1);
  // Left alone, the same store decides within its budget.
  r = ops::judge_fetch(s, Fetch{mac, ip, {}}, false);
  CHECK(r.allow && r.reason == Reason::first_provision);
  return failures ? 1 : 0;
}

// create_all: 300 records in batches (all created), again (none), then 300
// more over them half and half; and records big enough that the byte limit,
// not the op limit, cuts the batches.
int create(const std::string& endpoints, const std::string& prefix, const std::string& work) {
  auto st = open_store(endpoints, prefix, work + "/create-journal");
  auto records = [](int from, int to, std::size_t pad) {
    std::vector<std::pair<std::string, store::Json>> out;
    for (int i = from; i < to; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "r%05d", i);
      out.emplace_back(key, store::Json{{"n", i}, {"pad", std::string(pad, 'x')}});
    }
    return out;
  };
  auto count = [&](Kind kind) {
    int n = 0;
    st->scan(
        kind, [&](const std::string&, std::string_view, const std::string&) { ++n; },
        [&](const Error& e) {
          ++failures;
          std::cerr << "scan: " << e.what() << "\n";
        });
    return n;
  };
  auto ones = [](const std::vector<bool>& v) {
    return static_cast<int>(std::count(v.begin(), v.end(), true));
  };

  int called = 0;
  auto made = st->create_all(Kind::window, records(0, 300, 10), [&](std::size_t) { ++called; });
  CHECK(made.size() == 300);
  CHECK(ones(made) == 300);
  CHECK(called == 300);
  CHECK(count(Kind::window) == 300);

  called = 0;
  made = st->create_all(Kind::window, records(0, 300, 10), [&](std::size_t) { ++called; });
  CHECK(ones(made) == 0);
  CHECK(called == 0);

  // 150 of these exist: exactly the other 150 are created, and the ones
  // that existed keep their text.
  std::set<std::size_t> which;
  made =
      st->create_all(Kind::window, records(150, 450, 20), [&](std::size_t i) { which.insert(i); });
  CHECK(ones(made) == 150);
  CHECK(which.size() == 150 && *which.begin() == 150 && *which.rbegin() == 299);
  CHECK(count(Kind::window) == 450);
  auto old = st->load(Kind::window, "r00200");
  CHECK(old && old->text.find("\"pad\":\"xxxxxxxxxx\"") != std::string::npos);

  // 300 records of 20 KiB: 6 MB in all, over the 1.5 MiB of one request.
  made = st->create_all(Kind::ban, records(0, 300, 20 * 1024), [](std::size_t) {});
  CHECK(ones(made) == 300);
  CHECK(count(Kind::ban) == 300);
  std::cout << "create_all: 300, then 0, then 150 of 300, then 300 big ones\n";
  return failures ? 1 : 0;
}

// scan pages through N records (N > 1000, the page size) at the first
// page's revision: every record once, in key order, with its text, though
// another process adds one record after the last and removes one in the
// last page while the scan is on its first page.
int scan(const std::string& endpoints, const std::string& prefix, const std::string& work, int n) {
  auto st = open_store(endpoints, prefix, work + "/scan-journal");
  auto other = open_store(endpoints, prefix, work + "/scan-other-journal");
  std::vector<std::pair<std::string, store::Json>> records;
  for (int i = 0; i < n; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "s%06d", i);
    records.emplace_back(key, store::Json{{"n", i}});
  }
  auto made = st->create_all(Kind::device, records, [](std::size_t) {});
  CHECK(std::count(made.begin(), made.end(), true) == n);

  char last[16];
  std::snprintf(last, sizeof last, "s%06d", n - 1);
  std::vector<std::string> seen;
  bool changed = false;
  st->scan(
      Kind::device,
      [&](const std::string& key, std::string_view text, const std::string&) {
        if (!changed) {
          changed = true;
          other->update_text(Kind::device, "s999999",
                             [](std::optional<std::string>& t, const std::string&) {
                               t = "{\"n\":999999}";
                               return Write::durable;
                             });
          other->update_text(Kind::device, last,
                             [](std::optional<std::string>& t, const std::string&) {
                               t.reset();
                               return Write::durable;
                             });
        }
        const int i = std::stoi(key.substr(1));
        if (store::Json::parse(text)["n"] != i) {
          ++failures;
          std::cerr << "scan: " << key << " holds " << text << "\n";
        }
        seen.push_back(key);
      },
      [&](const Error& e) {
        ++failures;
        std::cerr << "scan: " << e.what() << "\n";
      });
  CHECK(static_cast<int>(seen.size()) == n);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == seen.size());
  CHECK(!seen.empty() && seen.back() == last);

  // A scan begun now sees the change.
  int now = 0;
  bool added = false, removed = true;
  st->scan(
      Kind::device,
      [&](const std::string& key, std::string_view, const std::string&) {
        ++now;
        if (key == "s999999") added = true;
        if (key == last) removed = false;
      },
      [](const Error&) { ++failures; });
  CHECK(now == n);
  CHECK(added);
  CHECK(removed);
  std::cout << "scan: " << seen.size() << " records in pages of 1000 at one revision\n";
  return failures ? 1 : 0;
}

// One of several processes adding 1 to a counter record N times with
// update_text, each change journalling a line: exactly N lines in this
// process's journal (only for the changes that were written).
int cas(const std::string& endpoints, const std::string& prefix, const std::string& work, int n,
        const std::string& id) {
  const std::string journal = work + "/cas-journal-" + id;
  auto st = open_store(endpoints, prefix, journal);
  const UnixTime now = parse_time("2026-12-07T12:00:00Z");
  int tries = 0;
  for (int i = 0; i < n; ++i) {
    st->update_text(Kind::meta, "counter",
                    [&](std::optional<std::string>& text, const std::string&) {
                      ++tries;
                      const long long value = text ? std::stoll(*text) : 0;
                      st->append_journal_line(
                          now, "{\"id\":\"" + id + "\",\"to\":" + std::to_string(value + 1) + "}",
                          store::Durability::durable);
                      text = std::to_string(value + 1);
                      return Write::durable;
                    });
  }
  const auto lines = journal_lines(journal);
  CHECK(static_cast<int>(lines.size()) == n);
  std::cout << "cas " << id << ": " << n << " increments in " << tries << " tries, " << lines.size()
            << " journal lines\n";
  return failures ? 1 : 0;
}

int expect(const std::string& endpoints, const std::string& prefix, const std::string& work,
           const std::string& value) {
  auto st = open_store(endpoints, prefix, work + "/expect-journal");
  auto found = st->load(Kind::meta, "counter");
  CHECK(found.has_value());
  if (found) {
    std::cout << "counter: " << found->text;
    CHECK(found->text == value + "\n");
  }
  // The journal lines of the processes: every value 1..VALUE exactly once.
  std::set<long long> values;
  std::size_t lines = 0;
  for (const auto& entry : fs::directory_iterator(work)) {
    if (!entry.path().filename().string().starts_with("cas-journal-")) continue;
    for (const auto& line : journal_lines(entry.path().string())) {
      ++lines;
      values.insert(store::Json::parse(line)["to"].get<long long>());
    }
  }
  const long long v = std::stoll(value);
  CHECK(static_cast<long long>(lines) == v);
  CHECK(static_cast<long long>(values.size()) == v);
  CHECK(!values.empty() && *values.begin() == 1 && *values.rbegin() == v);
  return failures ? 1 : 0;
}

int usage() {
  std::cerr << "usage: etcd_store_test conflict|create|window|budget|scan|cas|expect ENDPOINTS "
               "PREFIX WORKDIR "
               "[ARGS]\n       etcd_store_test silent WORKDIR\n";
  return 64;
}

}  // namespace

// update_each when etcd gives no answer: a listening socket that never
// accepts stands in for a cluster whose every node hangs. The first record
// waits its budget out; the others are not tried, each reported with 75
// at once, so the whole call takes about one budget, not one per record.
int silent(const std::string& work) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  CHECK(listener >= 0 && bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        listen(listener, 16) == 0 &&
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  auto o = options();
  o.timeout = std::chrono::milliseconds(300);
  o.retries = 0;
  EtcdStore st("etcd://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/silent", o,
               work + "/silent-journal", std::chrono::milliseconds(2000), transport());
  std::vector<std::string> keys;
  for (int i = 1; i <= 5; ++i) keys.push_back("02000000050" + std::to_string(i));
  int done = 0, untried = 0;
  std::vector<Exit> codes;
  const auto started = std::chrono::steady_clock::now();
  st.update_each(
      Kind::device, keys,
      [](const std::string&, std::optional<std::string>&, const std::string&) {
        return store::Write::durable;
      },
      [&](const std::string&) { ++done; },
      [&](const Error& e) {
        codes.push_back(e.code());
        if (std::string(e.what()).find("not tried, etcd gave no answer") != std::string::npos)
          ++untried;
      });
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::cout << "silent: " << codes.size() << " errors, " << untried << " not tried, " << ms
            << " ms\n";
  CHECK(done == 0);
  CHECK(codes == std::vector<Exit>(5, Exit::temp_fail));
  CHECK(untried == 4);
  // One budget of 300 ms, and room for a loaded machine; five would be 1.5 s.
  CHECK(ms < 1200);
  close(listener);
  return failures ? 1 : 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "silent") return silent(argv[2]);
  if (argc < 5) return usage();
  const std::string mode = argv[1], endpoints = argv[2], prefix = argv[3], work = argv[4];
  try {
    if (mode == "conflict") return conflict(endpoints, prefix, work);
    if (mode == "create") return create(endpoints, prefix, work);
    if (mode == "window") return window_gone(endpoints, prefix, work);
    if (mode == "budget") return budget(endpoints, prefix, work);
    if (mode == "scan" && argc == 6) return scan(endpoints, prefix, work, std::stoi(argv[5]));
    if (mode == "cas" && argc == 7)
      return cas(endpoints, prefix, work, std::stoi(argv[5]), argv[6]);
    if (mode == "expect" && argc == 6) return expect(endpoints, prefix, work, argv[5]);
  } catch (const Error& e) {
    std::cerr << "etcd_store_test " << mode << ": " << e.what() << "\n";
    return 1;
  }
  return usage();
}
