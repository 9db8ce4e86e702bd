// Listing snapshots: the snapshot file format, and FileStore::scan of
// devices against a real directory: what a scan hands out is never older
// than the records, whatever was written, removed or damaged since the last
// list.
#include "store/listing.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "lib/record_text.hpp"
#include "store/file_store.hpp"
#include "store/fsck.hpp"
#include "store/records_io.hpp"
#include "tests/random_device.hpp"
#include "tests/temp_store.hpp"

namespace {

using namespace provlock;
using namespace provlock::store;
using namespace std::chrono_literals;

using provlock::testing::random_device;
using provlock::testing::same_device;
using provlock::testing::TempStore;


Device device(const std::string& mac) {
  Device d;
  d.mac = parse_mac(mac);
  d.registered = parse_time("2026-11-26T12:00:00Z");
  return d;
}

void put(Store& s, const Device& d, Write how = Write::durable) {
  update_record<Device>(s, d.mac.str(), [&](std::optional<Device>& r) {
    r = d;
    return how;
  });
}

// Every device as list sees it (through the snapshots), and as the records'
// files read without them.
std::map<std::string, std::string> listed(FileStore& s, int* errors = nullptr) {
  std::map<std::string, std::string> out;
  s.use_listing_snapshots(true);
  scan_records<Device>(
      s, [&](Device&& d) { CHECK(out.emplace(d.mac.str(), device_record_text(d)).second); },
      [&](const Error&) {
        if (errors) ++*errors;
      });
  return out;
}
// The same read one record at a time with load, which never uses a
// snapshot: what a list must hand out.
std::map<std::string, std::string> scanned(FileStore& s) {
  std::map<std::string, std::string> out;
  const std::filesystem::path devices = s.root_path() + "/devices";
  if (!std::filesystem::exists(devices)) return out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(devices)) {
    const std::string name = entry.path().filename();
    const auto dot = name.rfind('.');
    if (!entry.is_regular_file() || name[0] == '.' || dot == std::string::npos) continue;
    if (name.substr(dot) != ".json" && name.substr(dot) != ".recent") continue;
    const std::string key = name.substr(0, dot);
    try {
      if (auto d = load_record<Device>(s, key)) out.emplace(key, device_record_text(*d));
    } catch (const Error&) {
    }
  }
  return out;
}

// A device from the text listed or scanned made of it (device_record_text).
Device device_of(const std::string& text) {
  std::optional<Device> d = device_from_record_text(text);
  REQUIRE(d);
  return *d;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("listing: a snapshot is read back only whole and against its own identity") {
  listing::Identity id{"form-1", "0f0e-aa", 2049, 77, "00112233445566ff"};
  const std::vector<listing::Row> rows = {{"001122aabb00", "one\trow"}, {"001122aabb01", "two"}};
  const std::string text = listing::encode(id, rows);
  auto back = listing::decode(text, id);
  REQUIRE(back);
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].key == "001122aabb00");
  CHECK((*back)[0].row == "one\trow");
  CHECK((*back)[1].row == "two");
  // Cut anywhere, or grown, it is no snapshot.
  for (std::size_t n = 0; n < text.size(); ++n) CHECK_FALSE(listing::decode(text.substr(0, n), id));
  CHECK_FALSE(listing::decode(text + "x\ty\n", id));
  // Any other identity.
  for (int field = 0; field < 6; ++field) {
    listing::Identity other = id;
    switch (field) {
      case 0:
        other.form = "form-2";
        break;
      case 1:
        other.boot = "0f0e-ab";
        break;
      case 2:
        other.dev = 2050;
        break;
      case 3:
        other.folder = 79;
        break;
      case 4:
        other.nonce = "00112233445566fe";
        break;
      default:
        other.form = "form-1 0f0e-aa";
        break;
    }
    CHECK_FALSE(listing::decode(text, other));
  }
  // An empty folder's snapshot is a snapshot too.
  auto none = listing::decode(listing::encode(id, {}), id);
  REQUIRE(none);
  CHECK(none->empty());
  CHECK(listing::slot_of("001122aabb00") < listing::kSlots);
  CHECK_FALSE(listing::boot_id().empty());
}

TEST_CASE("listing: list sees every write made through the store since the last list") {
  TempStore t;
  FileStore s = t.open();
  std::vector<std::string> macs;
  for (int i = 0; i < 600; ++i) {
    char mac[13];
    std::snprintf(mac, sizeof mac, "0211%08x", i * 2654435761u);
    macs.emplace_back(mac);
    put(s, device(mac), Write::durable);
  }
  CHECK(listed(s) == scanned(s));
  // The snapshots are there now, with their marks.
  CHECK(std::filesystem::exists(t.path + "/devices/00/.list"));
  CHECK(std::filesystem::file_size(t.path + "/devices/00/.lock") == listing::kMarksSize);
  CHECK(listed(s) == scanned(s));

  std::mt19937_64 rng(99);
  for (int round = 0; round < 30; ++round) {
    // A few writes of every kind, then a list: it must equal the records.
    for (int k = 0; k < 15; ++k) {
      const std::string& mac = macs[rng() % macs.size()];
      switch (rng() % 5) {
        case 0:  // bookkeeping: the recent version, overwritten in place
          update_record<Device>(s, mac, [&](std::optional<Device>& d) {
            if (!d) return Write::none;
            ++d->allowed;
            d->last_seen = static_cast<UnixTime>(rng() % 100000);
            return Write::bookkeeping;
          });
          break;
        case 1:  // a binding, durable
          update_record<Device>(s, mac, [&](std::optional<Device>& d) {
            if (!d) return Write::none;
            d->bound_ip = parse_ip("192.0.2." + std::to_string(rng() % 250));
            return Write::durable;
          });
          break;
        case 2:  // removed
          s.update(Kind::device, mac, [](std::optional<Json>& j) {
            j.reset();
            return Write::durable;
          });
          break;
        case 3:  // made again (or made anew)
          s.create_all(Kind::device, {{mac, to_json(device(mac))}}, [](std::size_t) {});
          break;
        default: {  // a new label, relaxed
          Device d = device(mac);
          d.label = "desk " + std::to_string(rng() % 1000);
          put(s, d, Write::durable);
        }
      }
    }
    REQUIRE(listed(s) == scanned(s));
  }
}

TEST_CASE(
    "listing: rows come from the snapshot while nothing is marked, and are renewed "
    "when anything is") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("02aa00000001"));
  put(s, device("02aa00000101"));  // the same folder, 01
  listed(s);
  // A change by hand, behind the store's back, is not seen: the snapshot is
  // in use (the man page asks for `fsck --repair` after such changes).
  const std::string file = t.path + "/devices/01/02aa00000001.json";
  std::string text = slurp(file);
  const std::string hand =
      std::string(text).replace(text.find("\"label\":\"\""), 10, "\"label\":\"by hand\"");
  spit(file, hand);
  CHECK(listed(s).at("02aa00000001").find("by hand") == std::string::npos);
  // A write of the other device of that folder marks only its own slot...
  put(s, device("02aa00000101"));
  if (listing::slot_of("02aa00000001") != listing::slot_of("02aa00000101"))
    CHECK(listed(s).at("02aa00000001").find("by hand") == std::string::npos);
  // ...and a write of this one brings it back.
  update_record<Device>(s, "02aa00000001", [](std::optional<Device>& d) {
    ++d->allowed;
    return Write::bookkeeping;
  });
  CHECK(listed(s).at("02aa00000001").find("by hand") != std::string::npos);

  // The snapshot of another row form, of another folder (a copy), or made
  // against other marks is not used.
  spit(file, text);
  CHECK(listed(s).at("02aa00000001").find("by hand") != std::string::npos);  // still the old one
  std::filesystem::remove(t.path + "/devices/01/.lock");
  CHECK(listed(s).at("02aa00000001").find("by hand") == std::string::npos);
  spit(file, hand);
  std::filesystem::copy(t.path, t.path + "2", std::filesystem::copy_options::recursive);
  FileStore copy(t.path + "2", 5000ms);
  CHECK(listed(copy).at("02aa00000001").find("by hand") != std::string::npos);
  CHECK(listed(s).at("02aa00000001").find("by hand") == std::string::npos);
  // A snapshot cut short or overwritten is not used either.
  std::string cut = slurp(t.path + "/devices/01/.list");
  spit(t.path + "/devices/01/.list", cut.substr(0, cut.size() - 3));
  CHECK(listed(s).at("02aa00000001").find("by hand") != std::string::npos);
  spit(file, text);
  spit(t.path + "/devices/01/.list", std::string(cut.size(), 'x'));
  CHECK(listed(s).at("02aa00000001").find("by hand") == std::string::npos);
  CHECK(listed(s) == scanned(s));
}

TEST_CASE("listing: an unreadable record is reported by every list, never kept") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("02bb00000002"));
  put(s, device("02bb00000102"));
  listed(s);
  // Made unreadable by hand, and the snapshot dropped as fsck --repair does.
  spit(t.path + "/devices/02/02bb00000002.json", "{not json");
  std::filesystem::remove(t.path + "/devices/02/.list");
  for (int i = 0; i < 3; ++i) {
    int errors = 0;
    auto rows = listed(s, &errors);
    CHECK(errors == 1);
    CHECK(rows.size() == 1);
    CHECK(rows.count("02bb00000102"));
  }
}

TEST_CASE("listing: without write access the records are read, and nothing is written") {
  if (geteuid() != 0) return;  // root drops to nobody below; CI runs as root
  TempStore t;
  {
    FileStore s = t.open();
    for (const char* mac : {"02cc00000003", "02cc00000103", "02cc00000203"}) put(s, device(mac));
    listed(s);
    put(s, device("02cc00000103"));  // marked: a list must renew the snapshot
  }
  std::filesystem::permissions(
      std::filesystem::path(t.path).parent_path(),
      std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
      std::filesystem::perm_options::add);
  const std::string before = slurp(t.path + "/devices/03/.list");
  const std::string marks = slurp(t.path + "/devices/03/.lock");
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    FileStore s(t.path, 200ms);
    int errors = 0;
    auto rows = listed(s, &errors);
    _exit(errors == 0 && rows.size() == 3 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(slurp(t.path + "/devices/03/.list") == before);
  CHECK(slurp(t.path + "/devices/03/.lock") == marks);
}

TEST_CASE("listing: lists and writers in many processes at once never leave a stale row") {
  TempStore t;
  std::vector<std::string> macs;
  {
    FileStore s = t.open();
    std::vector<std::pair<std::string, Json>> records;
    for (int i = 0; i < 400; ++i) {
      char mac[13];
      std::snprintf(mac, sizeof mac, "0222%08x", i * 40503u);
      macs.emplace_back(mac);
      records.emplace_back(mac, to_json(device(mac)));
    }
    s.create_all(Kind::device, records, [](std::size_t) {});
    listed(s);
  }
  std::vector<pid_t> children;
  for (int w = 0; w < 3; ++w) {
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      FileStore s = t.open();
      std::mt19937_64 rng(static_cast<std::uint64_t>(w));
      try {
        for (int i = 0; i < 400; ++i) {
          if (w == 2) {  // a lister
            listed(s);
            continue;
          }
          update_record<Device>(s, macs[rng() % macs.size()], [&](std::optional<Device>& d) {
            ++d->allowed;
            return i % 7 ? Write::bookkeeping : Write::durable;
          });
        }
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    children.push_back(child);
  }
  {
    FileStore s = t.open();
    for (int i = 0; i < 20; ++i) listed(s);
  }
  for (pid_t child : children) {
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  FileStore s = t.open();
  auto rows = listed(s);
  CHECK(rows == scanned(s));
  std::uint64_t allowed = 0;
  for (const auto& [mac, row] : rows) allowed += device_of(row).allowed;
  CHECK(allowed == 800);
}

TEST_CASE("listing: marks cut short or made anew never bring an old snapshot back") {
  TempStore t;
  FileStore s = t.open();
  // Two devices of folder 55, one of them in the last slot: a writer's mark
  // there makes marks cut short as long as whole ones again.
  std::string last;
  for (unsigned i = 0; last.empty(); ++i) {
    char mac[13];
    std::snprintf(mac, sizeof mac, "02%08x55", i);
    if (listing::slot_of(mac) == listing::kSlots - 1) last = mac;
  }
  put(s, device("02aa00000055"));
  put(s, device(last));
  listed(s);
  const std::string marks = t.path + "/devices/55/.lock";
  CHECK(std::filesystem::file_size(marks) == listing::kMarksSize);
  update_record<Device>(s, "02aa00000055", [](std::optional<Device>& d) {
    d->bound_ip = parse_ip("192.0.2.55");
    return Write::durable;
  });
  // The mark is lost with the file's end; the last slot's writer fills the
  // file again. Only the nonce tells.
  std::filesystem::resize_file(marks, 0);
  put(s, device(last));
  CHECK(std::filesystem::file_size(marks) == listing::kSlots);
  CHECK(device_of(listed(s).at("02aa00000055")).bound_ip == parse_ip("192.0.2.55"));
  CHECK(std::filesystem::file_size(marks) == listing::kMarksSize);
  // Removed and made anew (whatever inode it gets).
  update_record<Device>(s, "02aa00000055", [](std::optional<Device>& d) {
    d->label = "moved";
    return Write::durable;
  });
  std::filesystem::remove(marks);
  put(s, device(last));
  CHECK(std::filesystem::file_size(marks) == listing::kSlots);  // made anew by the lock
  CHECK(device_of(listed(s).at("02aa00000055")).label == "moved");
  CHECK(listed(s) == scanned(s));
}

TEST_CASE("listing: expire's fold of a recent version marks the device") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("02dd00000004"));
  update_record<Device>(s, "02dd00000004", [](std::optional<Device>& d) {
    ++d->allowed;
    return Write::bookkeeping;
  });
  listed(s);  // clears the marks
  const std::string marks = t.path + "/devices/04/.lock";
  const std::size_t slot = listing::slot_of("02dd00000004");
  CHECK(slurp(marks)[slot] == '\0');
  // A list that read the record file before the fold and looked for the
  // recent version after it would keep the old record: the mark makes the
  // next list read it again.
  CHECK(s.fold_recent(Kind::device, false, [](const Error&) {}) == 1);
  CHECK(slurp(marks)[slot] != '\0');
  CHECK(device_of(listed(s).at("02dd00000004")).allowed == 1);
}

TEST_CASE("listing: fsck knows the snapshots; --repair drops them, so hand changes are seen") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("02ee00000005"));
  put(s, device("02ee00000105"));
  listed(s);
  auto findings = [&](bool repair) {
    long n = 0;
    fsck(t.path, repair, 0, [&](const FsckFinding& f) {
      MESSAGE(f.path << ": " << f.why);
      ++n;
    });
    return n;
  };
  CHECK(findings(false) == 0);
  const std::string file = t.path + "/devices/05/02ee00000005.json";
  std::string text = slurp(file);
  spit(file, text.replace(text.find("\"label\":\"\""), 10, "\"label\":\"by hand\""));
  CHECK(device_of(listed(s).at("02ee00000005")).label.empty());
  CHECK(findings(true) == 0);
  CHECK_FALSE(std::filesystem::exists(t.path + "/devices/05/.list"));
  CHECK(device_of(listed(s).at("02ee00000005")).label == "by hand");
  CHECK(findings(false) == 0);
}

TEST_CASE("listing: a scan uses snapshots only when asked, so other scans write nothing") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("02ff00000006"));
  const std::string marks = t.path + "/devices/06/.lock";
  const std::string before = slurp(marks);
  std::vector<std::string> seen;
  scan_records<Device>(
      s, [&](Device&& d) { seen.push_back(d.mac.str()); }, [](const Error&) { FAIL(""); });
  CHECK(seen == std::vector<std::string>{"02ff00000006"});
  CHECK_FALSE(std::filesystem::exists(t.path + "/devices/06/.list"));
  CHECK(slurp(marks) == before);
  listed(s);
  CHECK(std::filesystem::exists(t.path + "/devices/06/.list"));
}

TEST_CASE("listing: a record 0.1 wrote gets the row provlock writes for its device") {
  TempStore t;
  FileStore s = t.open();
  put(s, device("02ee00000007"));
  put(s, device("02ee00000107"));
  // 0.1's shape: no "user", keys in the order 0.1's table had them, spaces.
  const std::string old_text =
      "{\"format\": 1, \"mac\": \"02ee00000007\", \"account\": \"acme\", \"label\": \"desk\", "
      "\"registered\": \"2026-11-26T12:00:00Z\", \"bound_ip\": \"192.0.2.7\", "
      "\"bound_at\": \"2026-11-26T12:00:00Z\", \"first_provisioned\": \"2026-11-26T12:00:00Z\", "
      "\"unlock_until\": null, \"unlock_all_seen\": 0, \"blocked\": false, \"blocked_at\": null, "
      "\"foreign\": [\"2026-11-26T12:30:00Z\"], \"last_seen\": \"2026-11-26T12:00:00Z\", "
      "\"last_ip\": \"192.0.2.7\", \"allowed\": 3, \"denied\": 1}\n";
  spit(t.path + "/devices/07/02ee00000007.json", old_text);
  // A record of a format this provlock does not know.
  const std::string newer = R"({"format":99,"mac":"02ee00000107"})";
  spit(t.path + "/devices/07/02ee00000107.json", newer + "\n");
  std::filesystem::remove(t.path + "/devices/07/.list");

  for (int round = 0; round < 2; ++round) {  // the snapshot made, then read
    int errors = 0;
    auto rows = listed(s, &errors);
    CHECK(errors == 1);  // the newer format, named on every list
    REQUIRE(rows.count("02ee00000007"));
    const Device read = device_from_json(nlohmann::json::parse(old_text));
    CHECK(rows["02ee00000007"] == device_record_text(read));
    CHECK(read.account == "acme");
    CHECK(read.user.empty());
  }
  const std::string snapshot = slurp(t.path + "/devices/07/.list");
  // The row is the text the fast device reader reads; the other keeps its
  // JSON, as dump() writes it.
  const Device read = device_from_json(nlohmann::json::parse(old_text));
  CHECK(snapshot.find(device_record_text(read) + "\n") != std::string::npos);
  CHECK(device_from_record_text(device_record_text(read)).has_value());
  CHECK(snapshot.find(nlohmann::json::parse(newer).dump() + "\n") != std::string::npos);
}
