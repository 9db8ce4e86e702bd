// Tests of the store's file primitives against a real file system, with real
// processes where concurrency is the point.
#include "store/fs.hpp"

#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lib/error.hpp"

namespace {

using provlock::Error;
using provlock::Exit;
using namespace provlock::store;

// A fresh directory under /tmp per test, opened as a store directory and
// removed with everything in it at the end.
struct TempDir {
  std::string path;
  Fd fd;

  TempDir() {
    char templ[] = "/tmp/provlock-fs-test-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path = templ;
    fd = Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd.valid());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

// Sets the umask for one test and restores it afterwards.
struct Umask {
  mode_t old;
  explicit Umask(mode_t mask) : old(::umask(mask)) {}
  ~Umask() { ::umask(old); }
};

// Runs `body` in a forked child that ends with _exit(body's result), or 99 if
// it threw; the parent gets the pid.
pid_t spawn(const std::function<int()>& body) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  return pid;
}

// Exit status of a child, or 128 + signal like a shell.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

unsigned mode_at(int dirfd, const std::string& name) {
  struct stat st {};
  REQUIRE(::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
  return st.st_mode & 07777;
}

unsigned mode_of(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_mode & 07777;
}

std::vector<std::string> entries(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

void write_plain(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  ::close(fd);
}

std::string read_plain(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Calls `action`, which must throw Error, and returns it for inspection.
template <typename Action>
Error error_from(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  FAIL("no provlock::Error was thrown");
  return Error(Exit::ok, "");
}

}  // namespace

TEST_CASE("write_file_atomic then read_file returns the content") {
  TempDir dir;
  const std::string name = "001122aabbcc.json";
  CHECK_FALSE(read_file(dir.fd.get(), name, dir / name).has_value());

  write_file_atomic(dir.fd.get(), name, "{\"v\":1}\n", Durability::durable, dir / name);
  CHECK(read_file(dir.fd.get(), name, dir / name) == "{\"v\":1}\n");

  write_file_atomic(dir.fd.get(), name, "{\"v\":2,\"longer\":true}\n", Durability::relaxed,
                    dir / name);
  CHECK(read_file(dir.fd.get(), name, dir / name) == "{\"v\":2,\"longer\":true}\n");

  write_file_atomic(dir.fd.get(), name, "", Durability::durable, dir / name);
  CHECK(read_file(dir.fd.get(), name, dir / name) == "");

  std::string big(300000, 'x');
  write_file_atomic(dir.fd.get(), name, big, Durability::relaxed, dir / name);
  CHECK(read_file(dir.fd.get(), name, dir / name) == big);
}

TEST_CASE("read_file enforces its size limit") {
  TempDir dir;
  write_file_atomic(dir.fd.get(), "r.json", "0123456789", Durability::relaxed, dir / "r.json");
  CHECK(read_file(dir.fd.get(), "r.json", dir / "r.json", 10) == "0123456789");
  Error error = error_from([&] { read_file(dir.fd.get(), "r.json", dir / "r.json", 9); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()).find(dir / "r.json") != std::string::npos);
}

TEST_CASE("read_whole reads files of every size whole, and /proc files whose size reads 0") {
  TempDir dir;
  for (std::size_t size : {0, 1, 4095, 4096, 4097, 100000}) {
    const std::string content(size, 'a');
    write_plain(dir / "f", content);
    Fd fd(::open((dir / "f").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.valid());
    CHECK(read_whole(fd.get(), dir / "f") == content);
  }
  // Its size reads as 0; its text is longer than any one first read.
  Fd proc(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
  REQUIRE(proc.valid());
  const std::string status = read_whole(proc.get(), "/proc/self/status");
  CHECK(status.find("Name:") == 0);
  CHECK(status.find("\nvoluntary_ctxt_switches:") != std::string::npos);
  CHECK(status.back() == '\n');
}

TEST_CASE("overwrite_in_place and overwrite_at_start whatever the caller believed") {
  TempDir dir;
  Umask mask(022);
  // Believed missing, but there: opened and overwritten, its mode kept.
  write_plain(dir / "r.recent", "old contents, longer than the new");
  REQUIRE(::chmod((dir / "r.recent").c_str(), 0600) == 0);
  overwrite_in_place(dir.fd.get(), "r.recent", "new", dir / "r.recent", true);
  CHECK(read_plain(dir / "r.recent").substr(0, 3) == "new");
  CHECK(mode_at(dir.fd.get(), "r.recent") == 0600);
  // Believed there, but missing: created, with the store's mode.
  overwrite_in_place(dir.fd.get(), "s.recent", "made", dir / "s.recent", false);
  CHECK(read_plain(dir / "s.recent") == "made");
  CHECK(mode_at(dir.fd.get(), "s.recent") == 0664);
  // A size given too small or too large changes only whether space is
  // claimed first: the content is written whole either way.
  Fd fd(::open((dir / "s.recent").c_str(), O_RDWR | O_CLOEXEC));
  REQUIRE(fd.valid());
  overwrite_at_start(fd.get(), "0123456789", dir / "s.recent", 0);
  CHECK(read_plain(dir / "s.recent") == "0123456789");
  overwrite_at_start(fd.get(), "abcdefghijklmnop", dir / "s.recent", 1000);
  CHECK(read_plain(dir / "s.recent") == "abcdefghijklmnop");
}

TEST_CASE("a failed write leaves the old record and no temporary file") {
  TempDir dir;
  const std::string name = "001122aabbcc.json";
  write_file_atomic(dir.fd.get(), name, "old record\n", Durability::durable, dir / name);

  // A file size limit makes write(2) fail with EFBIG part-way through, a real
  // failure of the content write that needs no privileges. It runs in a child
  // so that the limit ends with it.
  pid_t child = spawn([&] {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {
      4096, 4096
    };
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
    try {
      write_file_atomic(dir.fd.get(), name, std::string(100000, 'n'), Durability::durable,
                        dir / name);
    } catch (const Error& error) {
      std::string what = error.what();
      if (error.code() != Exit::io) return 11;
      if (what != "cannot write " + (dir / name) + ": " + std::strerror(EFBIG)) return 12;
      return 0;
    }
    return 13;
  });
  CHECK(wait_for(child) == 0);
  CHECK(read_file(dir.fd.get(), name, dir / name) == "old record\n");
  CHECK(entries(dir.path) == std::vector<std::string>{name});
}

TEST_CASE("a failed rename removes the temporary file") {
  TempDir dir;
  // A non-empty directory under the record's name: the rename fails after
  // the temporary file was fully written.
  REQUIRE(::mkdirat(dir.fd.get(), "d.json", 0755) == 0);
  write_plain(dir / "d.json/inside", "x");
  Error error = error_from([&] {
    write_file_atomic(dir.fd.get(), "d.json", "new", Durability::durable, dir / "d.json");
  });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()).starts_with("cannot write " + (dir / "d.json") + ": "));
  CHECK(entries(dir.path) == std::vector<std::string>{"d.json"});
  CHECK(read_plain(dir / "d.json/inside") == "x");
}

TEST_CASE("a temporary file that cannot be created is Exit::cant_create") {
  TempDir dir;
  // A directory removed while still open accepts no new entries (ENOENT).
  Fd gone = open_dir(dir.fd.get(), "gone", true, dir / "gone");
  REQUIRE(::unlinkat(dir.fd.get(), "gone", AT_REMOVEDIR) == 0);
  Error error = error_from([&] {
    write_file_atomic(gone.get(), "r.json", "x", Durability::durable, dir / "gone/r.json");
  });
  CHECK(error.code() == Exit::cant_create);
  CHECK(std::string(error.what()) ==
        "cannot create " + (dir / "gone/r.json") + ": " + std::strerror(ENOENT));
}

TEST_CASE("a symlink planted as a record is neither read nor written through") {
  TempDir dir;
  TempDir outside;
  write_plain(outside / "secret", "outside content\n");
  const std::string name = "001122aabbcc.json";
  REQUIRE(::symlinkat((outside / "secret").c_str(), dir.fd.get(), name.c_str()) == 0);

  Error error = error_from([&] { read_file(dir.fd.get(), name, dir / name); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()) ==
        dir / name + " is a symlink; provlock never follows links inside the store");

  error = error_from(
      [&] { append_line(dir.fd.get(), name, "line\n", Durability::relaxed, dir / name); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()).find("symlink") != std::string::npos);
  CHECK(read_plain(outside / "secret") == "outside content\n");

  // The rename replaces the link itself, never what it points to.
  write_file_atomic(dir.fd.get(), name, "new\n", Durability::durable, dir / name);
  CHECK(read_plain(outside / "secret") == "outside content\n");
  struct stat st {};
  REQUIRE(::fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK(read_file(dir.fd.get(), name, dir / name) == "new\n");

  // Removing a link removes the link only.
  REQUIRE(::symlinkat((outside / "secret").c_str(), dir.fd.get(), "link.json") == 0);
  remove_file(dir.fd.get(), "link.json", Durability::durable, dir / "link.json");
  CHECK(read_plain(outside / "secret") == "outside content\n");
}

TEST_CASE("open_dir refuses a directory symlink and a non-directory") {
  TempDir dir;
  TempDir outside;
  REQUIRE(::symlinkat(outside.path.c_str(), dir.fd.get(), "devices") == 0);
  for (bool create : {false, true}) {
    Error error = error_from([&] { open_dir(dir.fd.get(), "devices", create, dir / "devices"); });
    CHECK(error.code() == Exit::io);
    CHECK(std::string(error.what()) ==
          dir / "devices" + " is a symlink; provlock never follows links inside the store");
  }
  // A dangling link must not be "created" through either.
  REQUIRE(::symlinkat((outside / "nowhere").c_str(), dir.fd.get(), "bans") == 0);
  CHECK(error_from([&] { open_dir(dir.fd.get(), "bans", true, dir / "bans"); }).code() == Exit::io);
  CHECK_FALSE(std::filesystem::exists(outside / "nowhere"));

  write_plain(dir / "windows", "not a directory");
  Error error = error_from([&] { open_dir(dir.fd.get(), "windows", true, dir / "windows"); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()) == dir / "windows" + " is not a directory");
}

TEST_CASE("open_dir returns an invalid Fd for a missing directory unless creating") {
  TempDir dir;
  CHECK_FALSE(open_dir(dir.fd.get(), "devices", false, dir / "devices").valid());
  Fd created = open_dir(dir.fd.get(), "devices", true, dir / "devices");
  CHECK(created.valid());
  CHECK(open_dir(dir.fd.get(), "devices", false, dir / "devices").valid());
  CHECK(open_dir(dir.fd.get(), "devices", true, dir / "devices").valid());
}

TEST_CASE("names with more than one component are refused") {
  TempDir dir;
  for (std::string name : {"", ".", "..", "a/b", "../x"}) {
    CHECK_THROWS_AS(read_file(dir.fd.get(), name, "x"), Error);
    CHECK_THROWS_AS(open_dir(dir.fd.get(), name, true, "x"), Error);
    CHECK_THROWS_AS(write_file_atomic(dir.fd.get(), name, "x", Durability::relaxed, "x"), Error);
  }
}

TEST_CASE("read_file refuses non-regular files without blocking") {
  TempDir dir;
  // A FIFO would block an ordinary open until a writer came along.
  REQUIRE(::mkfifoat(dir.fd.get(), "fifo.json", 0644) == 0);
  Error error = error_from([&] { read_file(dir.fd.get(), "fifo.json", dir / "fifo.json"); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()) == dir / "fifo.json" + " is not a regular file");

  REQUIRE(::mkdirat(dir.fd.get(), "d.json", 0755) == 0);
  error = error_from([&] { read_file(dir.fd.get(), "d.json", dir / "d.json"); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()) == dir / "d.json" + " is not a regular file");

  error = error_from([&] {
    append_line(dir.fd.get(), "fifo.json", "x\n", Durability::relaxed, dir / "fifo.json");
  });
  CHECK(error.code() == Exit::io);
}

TEST_CASE("is_temp_name recognises write_file_atomic's temporary files only") {
  CHECK(is_temp_name(".tmp.001122aabbcc.json.1234.0123456789abcdef"));
  CHECK(is_temp_name(".tmp.journal.jsonl.1.f"));
  CHECK(is_temp_name(".tmp.x.7.00"));
  CHECK_FALSE(is_temp_name("001122aabbcc.json"));
  CHECK_FALSE(is_temp_name("journal.jsonl"));
  CHECK_FALSE(is_temp_name(".lock"));
  CHECK_FALSE(is_temp_name(".tmp."));
  CHECK_FALSE(is_temp_name(".tmp.x.json"));
  CHECK_FALSE(is_temp_name(".tmp..12.ab"));
  CHECK_FALSE(is_temp_name(".tmp.x.json.12a.ab"));
  CHECK_FALSE(is_temp_name(".tmp.x.json.12.XYZ"));
  CHECK_FALSE(is_temp_name(".tmp.x.json.12.ab.json"));
  CHECK_FALSE(is_temp_name("tmp.x.json.12.ab"));
}

TEST_CASE("successful writes leave no temporary files behind") {
  TempDir dir;
  for (int i = 0; i < 20; ++i) {
    std::string name = "r" + std::to_string(i % 4) + ".json";
    write_file_atomic(dir.fd.get(), name, std::to_string(i), Durability::relaxed, dir / name);
  }
  std::set<std::string> names;
  for (const auto& name : entries(dir.path)) {
    CHECK_FALSE(is_temp_name(name));
    CHECK_FALSE(name.starts_with("."));
    names.insert(name);
  }
  CHECK(names == std::set<std::string>{"r0.json", "r1.json", "r2.json", "r3.json"});
}

TEST_CASE("modes are 0664 and 02775 whatever the umask") {
  Umask mask(077);
  TempDir dir;
  Fd devices = open_dir(dir.fd.get(), "devices", true, dir / "devices");
  CHECK(mode_of(devices.get()) == kDirMode);
  CHECK(mode_at(dir.fd.get(), "devices") == 02775);

  write_file_atomic(devices.get(), "a.json", "{}", Durability::durable, dir / "devices/a.json");
  CHECK(mode_at(devices.get(), "a.json") == kFileMode);
  CHECK(mode_at(devices.get(), "a.json") == 0664);

  append_line(dir.fd.get(), "journal.jsonl", "{}\n", Durability::durable, dir / "journal.jsonl");
  CHECK(mode_at(dir.fd.get(), "journal.jsonl") == 0664);

  Fd root = open_root(dir / "x/y/store", true);
  CHECK(mode_of(root.get()) == 02775);
  CHECK(mode_at(dir.fd.get(), "x") == 02775);
  CHECK(mode_at(dir.fd.get(), "x/y") == 02775);
}

TEST_CASE("open_root follows the operator's link and creates missing directories") {
  TempDir dir;
  Error error = error_from([&] { open_root(dir / "missing", false); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()).find(dir / "missing") != std::string::npos);

  Fd created = open_root(dir / "a//b/./c/", true);
  CHECK(created.valid());
  CHECK(std::filesystem::is_directory(dir / "a/b/c"));

  REQUIRE(::symlink((dir / "a/b/c").c_str(), (dir / "link").c_str()) == 0);
  Fd linked = open_root(dir / "link", false);
  write_file_atomic(linked.get(), "r.json", "via link", Durability::durable, "r.json");
  CHECK(read_plain(dir / "a/b/c/r.json") == "via link");
  CHECK(open_root(dir / "link/sub", true).valid());
  CHECK(std::filesystem::is_directory(dir / "a/b/c/sub"));

  REQUIRE(::symlink((dir / "nowhere").c_str(), (dir / "dangling").c_str()) == 0);
  CHECK(error_from([&] { open_root(dir / "dangling/store", true); }).code() == Exit::io);
  CHECK_FALSE(std::filesystem::exists(dir / "nowhere"));

  write_plain(dir / "file", "x");
  CHECK(error_from([&] { open_root(dir / "file", true); }).code() == Exit::io);
  CHECK(error_from([&] { open_root(dir / "file/below", true); }).code() == Exit::io);
}

TEST_CASE("processes creating the same directory at once all succeed") {
  TempDir dir;
  std::vector<pid_t> children;
  for (int c = 0; c < 8; ++c) {
    children.push_back(spawn([&, c] {
      Fd devices = open_dir(dir.fd.get(), "devices", true, dir / "devices");
      Fd root = open_root(dir / "p/q/r", true);
      std::string name = std::to_string(c) + ".json";
      write_file_atomic(devices.get(), name, "x", Durability::relaxed, name);
      write_file_atomic(root.get(), name, "x", Durability::relaxed, name);
      return 0;
    }));
  }
  for (pid_t child : children) CHECK(wait_for(child) == 0);
  CHECK(entries(dir / "devices").size() == 8);
  CHECK(entries(dir / "p/q/r").size() == 8);
  CHECK(mode_at(dir.fd.get(), "devices") == 02775);
}

TEST_CASE("remove_file removes a record and tolerates a missing one") {
  TempDir dir;
  write_file_atomic(dir.fd.get(), "r.json", "x", Durability::relaxed, dir / "r.json");
  remove_file(dir.fd.get(), "r.json", Durability::durable, dir / "r.json");
  CHECK_FALSE(read_file(dir.fd.get(), "r.json", dir / "r.json").has_value());
  remove_file(dir.fd.get(), "r.json", Durability::durable, dir / "r.json");
  remove_file(dir.fd.get(), "r.json", Durability::relaxed, dir / "r.json");

  REQUIRE(::mkdirat(dir.fd.get(), "d.json", 0755) == 0);
  Error error =
      error_from([&] { remove_file(dir.fd.get(), "d.json", Durability::relaxed, dir / "d.json"); });
  CHECK(error.code() == Exit::io);
  CHECK(std::string(error.what()).starts_with("cannot remove " + (dir / "d.json") + ": "));
}

TEST_CASE("append_line requires a complete line") {
  TempDir dir;
  CHECK_THROWS_AS(append_line(dir.fd.get(), "j.jsonl", "no newline", Durability::relaxed, "j"),
                  Error);
  CHECK_THROWS_AS(append_line(dir.fd.get(), "j.jsonl", "", Durability::relaxed, "j"), Error);
  append_line(dir.fd.get(), "j.jsonl", "one\n", Durability::durable, "j");
  append_line(dir.fd.get(), "j.jsonl", "two\n", Durability::relaxed, "j");
  CHECK(read_file(dir.fd.get(), "j.jsonl", "j") == "one\ntwo\n");
}

TEST_CASE("concurrent appenders never interleave within a line") {
  TempDir dir;
  constexpr int kChildren = 8;
  constexpr int kLines = 500;
  // Every line is distinct and about 200 bytes, with a body that reveals any
  // mixing of two writers.
  auto line_of = [](int child, int i) {
    std::string head =
        "{\"child\":" + std::to_string(child) + ",\"line\":" + std::to_string(i) + ",\"pad\":\"";
    return head + std::string(200 - head.size(), static_cast<char>('a' + child)) + "\"}\n";
  };
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    children.push_back(spawn([&, c] {
      for (int i = 0; i < kLines; ++i) {
        append_line(dir.fd.get(), "journal.jsonl", line_of(c, i), Durability::relaxed,
                    dir / "journal.jsonl");
      }
      return 0;
    }));
  }
  for (pid_t child : children) CHECK(wait_for(child) == 0);

  auto content = read_file(dir.fd.get(), "journal.jsonl", dir / "journal.jsonl", 8 << 20);
  REQUIRE(content.has_value());
  std::set<std::string> expected;
  for (int c = 0; c < kChildren; ++c) {
    for (int i = 0; i < kLines; ++i) expected.insert(line_of(c, i));
  }
  std::multiset<std::string> seen;
  std::istringstream in(*content);
  for (std::string line; std::getline(in, line);) seen.insert(line + "\n");
  CHECK(seen.size() == static_cast<std::size_t>(kChildren * kLines));
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
  CHECK(content->back() == '\n');
}
