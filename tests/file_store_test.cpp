// FileStore: the read-modify-write under lock, refusal of bad records, scans,
// and the journal, against a real directory and real processes.
#include "store/file_store.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/records_io.hpp"
#include "tests/temp_store.hpp"

namespace {

using namespace provlock;
using namespace provlock::store;
using namespace std::chrono_literals;

using provlock::testing::TempStore;

Device device(const char* mac) {
  Device d;
  d.mac = parse_mac(mac);
  d.registered = parse_time("2026-11-26T12:00:00Z");
  return d;
}

void put(Store& s, const Device& d) {
  update_record<Device>(s, d.mac.str(), [&](std::optional<Device>& r) {
    r = d;
    return Write::durable;
  });
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("file store: a store that does not exist reads as empty and is created by a write") {
  TempStore t;
  FileStore s = t.open();
  CHECK_FALSE(load_record<Device>(s, "001122aabbcc"));
  int seen = 0;
  scan_records<Device>(
      s, [&](const Device&) { ++seen; }, [](const Error&) { FAIL("error"); });
  CHECK(seen == 0);
  CHECK_FALSE(std::filesystem::exists(t.path));
  put(s, device("001122aabbcc"));
  CHECK(std::filesystem::exists(t.path + "/devices/cc/001122aabbcc.json"));
  CHECK(load_record<Device>(s, "001122aabbcc")->mac.str() == "001122aabbcc");
}

TEST_CASE("file store: a record that does not parse is never overwritten or removed") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("001122aabbcc"));
  const std::string file = s.where(Kind::device, "001122aabbcc");
  { std::ofstream(file) << "{\"format\":1,\"mac\":"; }
  bool called = false;
  auto change = [&](std::optional<Device>& r) {
    called = true;
    r.reset();
    return Write::durable;
  };
  try {
    update_record<Device>(s, "001122aabbcc", change);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::io);
    CHECK(std::string(e.what()).find(file) != std::string::npos);
  }
  CHECK_FALSE(called);
  CHECK(slurp(file) == "{\"format\":1,\"mac\":");
}

TEST_CASE("file store: a change that throws writes nothing") {
  TempStore t;
  FileStore s = t.open();
  Device d = device("001122aabbcc");
  d.label = "before";
  put(s, d);
  CHECK_THROWS(update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) -> Write {
    r->label = "after";
    throw Error(Exit::data, "no");
  }));
  CHECK(load_record<Device>(s, "001122aabbcc")->label == "before");
}

TEST_CASE("file store: a record in another's file is refused") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("001122aabbcc"));
  std::filesystem::copy_file(s.where(Kind::device, "001122aabbcc"),
                             t.path + "/devices/cc/0011223344cc.json");
  CHECK_THROWS_AS(load_record<Device>(s, "0011223344cc"), Error);
}

TEST_CASE("file store: scans report bad records and go on") {
  TempStore t;
  FileStore s = t.open();
  for (const char* m : {"001122aabb01", "001122aabb02", "001122aabb03"}) put(s, device(m));
  { std::ofstream(s.where(Kind::device, "001122aabb02")) << "garbage"; }
  std::vector<std::string> seen, bad;
  scan_records<Device>(
      s, [&](const Device& d) { seen.push_back(d.mac.str()); },
      [&](const Error& e) { bad.push_back(e.what()); });
  CHECK(seen == std::vector<std::string>{"001122aabb01", "001122aabb03"});
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].find("001122aabb02.json") != std::string::npos);
}

TEST_CASE("file store: update_each changes every key, tells each failure and goes on") {
  TempStore t;
  FileStore s = t.open();
  for (const char* m : {"001122aabb01", "001122aabb02", "001122aabb03"}) put(s, device(m));
  { std::ofstream(s.where(Kind::device, "001122aabb02")) << "garbage"; }
  std::vector<std::string> done, bad;
  s.update_each(
      Kind::device, {"001122aabb01", "001122aabb02", "001122aabb03", "001122aabb04"},
      [&](const std::string& key, std::optional<std::string>& text, const std::string& where) {
        return change_record<Device>(s, key, text, where, [](std::optional<Device>& d) {
          if (!d) throw Error(Exit::no_device, "no such device");
          d->label = "moved";
          return Write::durable;
        });
      },
      [&](const std::string& key) { done.push_back(key); },
      [&](const Error& e) {
        bad.push_back(std::to_string(static_cast<int>(e.code())) + " " + e.what());
      });
  CHECK(done == std::vector<std::string>{"001122aabb01", "001122aabb03"});
  REQUIRE(bad.size() == 2);
  CHECK(bad[0].find("74 ") == 0);  // the unreadable record, left as it was
  CHECK(bad[0].find("001122aabb02.json") != std::string::npos);
  CHECK(bad[1] == std::to_string(static_cast<int>(Exit::no_device)) + " no such device");
  CHECK(load_record<Device>(s, "001122aabb01")->label == "moved");
  CHECK(load_record<Device>(s, "001122aabb03")->label == "moved");
  CHECK_FALSE(load_record<Device>(s, "001122aabb04"));
  std::ifstream in(s.where(Kind::device, "001122aabb02"));
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "garbage");

  // on_error may stop it: what came before stays written.
  CHECK_THROWS_AS(
      s.update_each(
          Kind::device, {"001122aabb01", "001122aabb04", "001122aabb03"},
          [&](const std::string& key, std::optional<std::string>& text, const std::string& where) {
            return change_record<Device>(s, key, text, where, [](std::optional<Device>& d) {
              if (!d) throw Error(Exit::no_device, "none");
              d->label = "again";
              return Write::durable;
            });
          },
          [](const std::string&) {}, [](const Error& e) { throw e; }),
      Error);
  CHECK(load_record<Device>(s, "001122aabb01")->label == "again");
  CHECK(load_record<Device>(s, "001122aabb03")->label == "moved");
}

TEST_CASE("file store: two processes racing on one record lose no update") {
  TempStore t;
  {
    FileStore s = t.open();
    Device d = device("001122aabbcc");
    put(s, d);
  }
  constexpr int kProcesses = 4, kEach = 200;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      FileStore s = t.open();
      for (int i = 0; i < kEach; ++i)
        update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
          ++r->allowed;
          return Write::durable;
        });
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  FileStore s = t.open();
  CHECK(load_record<Device>(s, "001122aabbcc")->allowed == kProcesses * kEach);
}

TEST_CASE("file store: the journal is written by day and pruned by day") {
  TempStore t;
  FileStore s = t.open();
  const UnixTime day = 86400, t0 = parse_time("2026-11-20T23:59:59Z");
  for (int i = 0; i < 5; ++i)
    s.append_journal_line(t0 + i * day, Json{{"n", i}}.dump(), Durability::durable);
  CHECK(std::filesystem::exists(t.path + "/journal/2026-11-20.jsonl"));
  CHECK(std::filesystem::exists(t.path + "/journal/2026-11-24.jsonl"));
  std::vector<int> seen;
  s.scan_journal(
      t0 + 2 * day, [&](const Json& e) { seen.push_back(e["n"].get<int>()); },
      [](const Error&) { FAIL("error"); });
  CHECK(seen == std::vector<int>{2, 3, 4});
  // Days wholly before 2026-11-23 go.
  CHECK(s.prune_journal(parse_time("2026-11-23T12:00:00Z"), true) == 3);
  CHECK(std::filesystem::exists(t.path + "/journal/2026-11-20.jsonl"));
  CHECK(s.prune_journal(parse_time("2026-11-23T12:00:00Z"), false) == 3);
  CHECK_FALSE(std::filesystem::exists(t.path + "/journal/2026-11-22.jsonl"));
  CHECK(std::filesystem::exists(t.path + "/journal/2026-11-23.jsonl"));
}

TEST_CASE("file store: devices fan out by their last two hex digits, bans by a hash") {
  CHECK(FileStore::bucket(Kind::device, "001122aabbcc") == "cc");
  CHECK(FileStore::bucket(Kind::window, "192.0.2.1") == "");
  const std::string b = FileStore::bucket(Kind::ban, "192.0.2.1-32");
  CHECK(b.size() == 2);
  CHECK(b == FileStore::bucket(Kind::ban, "192.0.2.1-32"));
  CHECK_FALSE(valid_key("../etc"));
  CHECK_FALSE(valid_key(".lock"));
  CHECK(valid_key("2001_db8__-64"));
}

TEST_CASE("file store: bookkeeping goes to the recent version, which a durable write folds in") {
  TempStore t;
  FileStore s = t.open();
  Device d = device("001122aabbcc");
  d.bound_ip = parse_ip("192.0.2.1");
  put(s, d);
  const std::string dir = t.path + "/devices/cc/";
  const std::string record_before = slurp(dir + "001122aabbcc.json");

  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r->allowed = 7;
    return Write::bookkeeping;
  });
  // The record file is untouched; the recent version holds the change and is
  // what every reader sees.
  CHECK(slurp(dir + "001122aabbcc.json") == record_before);
  CHECK(std::filesystem::exists(dir + "001122aabbcc.recent"));
  CHECK(load_record<Device>(s, "001122aabbcc")->allowed == 7);
  int seen = 0;
  scan_records<Device>(
      s, [&](const Device& r) { seen += r.allowed == 7; }, [](const Error&) { FAIL("error"); });
  CHECK(seen == 1);
  // The next change starts from the recent version.
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    CHECK(r->allowed == 7);
    ++r->allowed;
    return Write::bookkeeping;
  });
  CHECK(load_record<Device>(s, "001122aabbcc")->allowed == 8);

  // A durable write carries the bookkeeping into the record file and
  // removes the recent version.
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r->bound_ip = parse_ip("192.0.2.2");
    return Write::durable;
  });
  CHECK_FALSE(std::filesystem::exists(dir + "001122aabbcc.recent"));
  auto now = load_record<Device>(s, "001122aabbcc");
  CHECK(now->allowed == 8);
  CHECK(now->bound_ip->str() == "192.0.2.2");
}

TEST_CASE("file store: a torn or superseded recent version is ignored; the record stands") {
  TempStore t;
  FileStore s = t.open();
  Device d = device("001122aabbcc");
  d.bound_ip = parse_ip("192.0.2.1");
  put(s, d);
  const std::string recent = t.path + "/devices/cc/001122aabbcc.recent";
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r->allowed = 5;
    return Write::bookkeeping;
  });
  const std::string whole = slurp(recent);

  // Torn: cut short.
  std::ofstream(recent, std::ios::trunc) << whole.substr(0, whole.size() - 3);
  CHECK(load_record<Device>(s, "001122aabbcc")->allowed == 0);
  // A change made on top of a torn one starts from the record and replaces it.
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    CHECK(r->allowed == 0);
    r->allowed = 1;
    return Write::bookkeeping;
  });
  CHECK(load_record<Device>(s, "001122aabbcc")->allowed == 1);

  // Superseded: the old recent version, brought back after the record moved
  // on, must not bring back the old binding.
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r->bound_ip = parse_ip("198.51.100.9");
    return Write::durable;
  });
  std::ofstream(recent, std::ios::trunc) << whole;
  auto now = load_record<Device>(s, "001122aabbcc");
  CHECK(now->bound_ip->str() == "198.51.100.9");
  CHECK(now->allowed == 1);
}

TEST_CASE("file store: a record kept only as a recent version exists, and its removal is whole") {
  TempStore t;
  FileStore s = t.open();
  // A first counted fetch from an address: a record made by bookkeeping.
  AddressRecord a;
  a.prefix = parse_prefix("192.0.2.9/32");
  const std::string key = address_key(a.prefix);
  update_record<AddressRecord>(s, key, [&](std::optional<AddressRecord>& r) {
    r = a;
    r->attempts.push_back(100);
    return Write::bookkeeping;
  });
  const std::string dir = t.path + "/bans/" + FileStore::bucket(Kind::ban, key) + "/";
  CHECK_FALSE(std::filesystem::exists(dir + key + ".json"));
  CHECK(std::filesystem::exists(dir + key + ".recent"));
  REQUIRE(load_record<AddressRecord>(s, key));
  CHECK(load_record<AddressRecord>(s, key)->attempts.size() == 1);
  int seen = 0;
  scan_records<AddressRecord>(
      s, [&](const AddressRecord&) { ++seen; }, [](const Error&) {});
  CHECK(seen == 1);

  // Removed: neither file is left.
  update_record<AddressRecord>(s, key, [](std::optional<AddressRecord>& r) {
    r.reset();
    return Write::durable;
  });
  CHECK_FALSE(load_record<AddressRecord>(s, key));
  CHECK_FALSE(std::filesystem::exists(dir + key + ".recent"));
  CHECK_FALSE(std::filesystem::exists(dir + key + ".json"));
}

TEST_CASE("file store: a device made again never takes up the recent version of its past") {
  TempStore t;
  FileStore s = t.open();
  Device d = device("001122aabbcc");
  std::vector<std::pair<std::string, Json>> batch{{d.mac.str(), to_json(d)}};
  CHECK(s.create_all(Kind::device, batch, [](std::size_t) {}) == std::vector<bool>{true});
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r->bound_ip = parse_ip("192.0.2.1");  // (a test may; check never would)
    return Write::bookkeeping;
  });
  const std::string dir = t.path + "/devices/cc/";
  const std::string stale = slurp(dir + "001122aabbcc.recent");
  // Removed, but its recent version survives (a crash between the two
  // unlinks), then the very same record is made again.
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r.reset();
    return Write::durable;
  });
  std::ofstream(dir + "001122aabbcc.recent") << stale;
  CHECK(s.create_all(Kind::device, batch, [](std::size_t) {}) == std::vector<bool>{true});
  CHECK_FALSE(std::filesystem::exists(dir + "001122aabbcc.recent"));
  CHECK_FALSE(load_record<Device>(s, "001122aabbcc")->bound_ip);
}

TEST_CASE("file store: fold_recent makes the bookkeeping durable in the record files") {
  TempStore t;
  FileStore s = t.open();
  for (const char* mac : {"001122aabb01", "001122aabb02", "001122aabb03"}) put(s, device(mac));
  for (const char* mac : {"001122aabb01", "001122aabb02"})
    update_record<Device>(s, mac, [](std::optional<Device>& r) {
      r->allowed = 9;
      return Write::bookkeeping;
    });
  const std::string dir = t.path + "/devices/";
  // A torn one holds nothing to fold and is left for fsck.
  {
    std::ofstream torn(dir + "03/001122aabb03.recent");
    torn << "provlock-recent 1 none 5 0000000000000000\n{}";
  }
  auto errors = [](const Error& e) { FAIL(e.what()); };
  const std::string before = slurp(dir + "01/001122aabb01.json");
  CHECK(s.fold_recent(Kind::device, true, errors) == 2);
  CHECK(slurp(dir + "01/001122aabb01.json") == before);
  CHECK(std::filesystem::exists(dir + "01/001122aabb01.recent"));

  CHECK(s.fold_recent(Kind::device, false, errors) == 2);
  for (const char* mac : {"001122aabb01", "001122aabb02"}) {
    const std::string cc = std::string(mac).substr(10);
    CHECK_FALSE(std::filesystem::exists(dir + cc + "/" + mac + ".recent"));
    CHECK(device_from_json(Json::parse(slurp(dir + cc + "/" + mac + ".json"))).allowed == 9);
    CHECK(load_record<Device>(s, mac)->allowed == 9);
  }
  CHECK(std::filesystem::exists(dir + "03/001122aabb03.recent"));
  CHECK(load_record<Device>(s, "001122aabb03")->allowed == 0);
  CHECK(s.fold_recent(Kind::device, false, errors) == 0);
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::recursive_directory_iterator(t.path))
    CHECK_FALSE(e.path().filename().string().starts_with(".tmp."));
}

TEST_CASE("file store: folders kept open are opened anew when their name leads elsewhere") {
  TempStore t;
  FileStore s = t.open();
  Device d = device("001122aabbcc");
  d.bound_ip = parse_ip("192.0.2.1");
  put(s, d);
  s.append_journal_line(100, Json{{"n", 1}}.dump(), Durability::relaxed);
  REQUIRE(load_record<Device>(s, "001122aabbcc")->bound_ip->str() == "192.0.2.1");

  // The devices folder replaced (a restored copy moved into place) by one
  // where the device is bound elsewhere: `s`, which has the old one open,
  // reads and writes the new one.
  namespace fs = std::filesystem;
  fs::rename(t.path + "/devices", t.path + "/devices.old");
  {
    FileStore other = t.open();
    d.bound_ip = parse_ip("198.51.100.1");
    put(other, d);
  }
  CHECK(load_record<Device>(s, "001122aabbcc")->bound_ip->str() == "198.51.100.1");
  update_record<Device>(s, "001122aabbcc", [](std::optional<Device>& r) {
    r->allowed = 3;
    return Write::durable;
  });
  CHECK(slurp(t.path + "/devices/cc/001122aabbcc.json").find("\"allowed\":3") != std::string::npos);
  CHECK(slurp(t.path + "/devices.old/cc/001122aabbcc.json").find("\"allowed\":3") ==
        std::string::npos);

  // A lock file replaced: the lock taken is on the new one, so it excludes
  // a process that opens the name now.
  fs::remove(t.path + "/devices/cc/.lock");
  update_record<Device>(s, "001122aabbcc", [&](std::optional<Device>& r) {
    pid_t pid = fork();
    if (pid == 0) {
      FileStore child(t.path, 200ms);
      int code = 0;
      try {
        child.update(Kind::device, "001122aabbcc",
                     [](std::optional<Json>&) { return Write::none; });
      } catch (const Error& e) {
        code = e.code() == Exit::temp_fail ? 3 : 4;
      }
      _exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WEXITSTATUS(status) == 3);  // it waited for our lock, and gave up
    r->allowed = 4;
    return Write::durable;
  });

  // The journal folder removed and made again, then today's file moved
  // away: lines go to the file the name leads to.
  fs::remove_all(t.path + "/journal");
  fs::create_directory(t.path + "/journal");
  s.append_journal_line(100, Json{{"n", 2}}.dump(), Durability::relaxed);
  fs::rename(t.path + "/journal/1970-01-01.jsonl", t.path + "/journal-1970-01-01.rotated");
  s.append_journal_line(100, Json{{"n", 3}}.dump(), Durability::durable);
  CHECK(slurp(t.path + "/journal-1970-01-01.rotated") == "{\"n\":2}\n");
  CHECK(slurp(t.path + "/journal/1970-01-01.jsonl") == "{\"n\":3}\n");
}

TEST_CASE("file store: keeping folders open never runs out of descriptors") {
  TempStore t;
  {
    // Every device folder with its listing marks, which writers keep open.
    FileStore s = t.open();
    for (int i = 0; i < 256; ++i) {
      char mac[13];
      std::snprintf(mac, sizeof mac, "0011223344%02x", i);
      put(s, device(mac));
    }
    s.use_listing_snapshots(true);
    scan_records<Device>(
        s, [](Device&&) {}, [](const Error&) {});
  }
  // A child with a low hard limit on open files, so that it cannot raise
  // its own: it works on every bucket of devices and addresses, twice.
  // 1024 allows some hundreds of folders: fewer than it works on.
  pid_t pid = fork();
  if (pid == 0) {
    rlimit low{1024, 1024};
    int code = 0;
    try {
      if (setrlimit(RLIMIT_NOFILE, &low) != 0) _exit(5);
      FileStore s = t.open();
      for (int round = 0; round < 2; ++round)
        for (int i = 0; i < 256; ++i) {
          char mac[13];
          std::snprintf(mac, sizeof mac, "0011223344%02x", i);
          update_record<Device>(s, mac, [&](std::optional<Device>& r) {
            if (!r) r = device(mac);
            ++r->allowed;
            return round == 0 ? Write::durable : Write::bookkeeping;
          });
          AddressRecord a;
          a.prefix = parse_prefix("10.0." + std::to_string(i) + ".0/32");
          update_record<AddressRecord>(s, address_key(a.prefix),
                                       [&](std::optional<AddressRecord>& r) {
                                         if (!r) r = a;
                                         r->attempts.push_back(round);
                                         return Write::bookkeeping;
                                       });
          s.append_journal_line(100, Json{{"i", i}}.dump(), Durability::relaxed);
        }
      int total = 0;
      scan_records<Device>(
          s, [&](const Device& d) { total += static_cast<int>(d.allowed); },
          [](const Error&) { _exit(6); });
      code = total == 512 ? 0 : 7;
    } catch (const Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      code = 4;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
