// Recent versions of records (store/recent.hpp): whole ones written over the
// record file as it is now are in force; every torn or superseded one is not.
#include "store/recent.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace provlock::store;

namespace {
const std::string kRecord = R"({"format":1,"mac":"001122aabbcc","bound_ip":"192.0.2.1"})"
                            "\n";
const std::string kNewer = R"({"format":1,"mac":"001122aabbcc","bound_ip":"192.0.2.1","n":2})"
                           "\n";
}  // namespace

TEST_CASE("recent: a whole version over the current record file is in force") {
  std::string file = encode_recent(kRecord, kNewer);
  CHECK(file.starts_with("provlock-recent 1 "));
  RecentVersion v = decode_recent(file, kRecord);
  CHECK(v.status == RecentStatus::current);
  CHECK(v.content == kNewer);
  // Bytes after the declared length (a longer old version overwritten in
  // place) are ignored.
  v = decode_recent(file + "tail of an older, longer version", kRecord);
  CHECK(v.status == RecentStatus::current);
  CHECK(v.content == kNewer);
}

TEST_CASE("recent: a version written with no record file is in force only while there is none") {
  std::string file = encode_recent(std::nullopt, kNewer);
  CHECK(decode_recent(file, std::nullopt).status == RecentStatus::current);
  CHECK(decode_recent(file, kRecord).status == RecentStatus::superseded);
}

TEST_CASE("recent: a version over another record file is superseded") {
  std::string file = encode_recent(kRecord, kNewer);
  CHECK(decode_recent(file, kNewer).status == RecentStatus::superseded);
  CHECK(decode_recent(file, std::nullopt).status == RecentStatus::superseded);
  std::string one_byte_changed = kRecord;
  one_byte_changed[20] ^= 1;
  CHECK(decode_recent(file, one_byte_changed).status == RecentStatus::superseded);
}

TEST_CASE("recent: every cut and every flipped byte is torn, never in force") {
  const std::string file = encode_recent(kRecord, kNewer);
  for (std::size_t n = 0; n < file.size(); ++n) {
    CAPTURE(n);
    CHECK(decode_recent(file.substr(0, n), kRecord).status == RecentStatus::torn);
  }
  for (std::size_t i = 0; i < file.size(); ++i) {
    for (unsigned char bit : {0x01, 0x20, 0x80}) {
      std::string bad = file;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      CAPTURE(i);
      CAPTURE(bit);
      // A flip in the base hash may read as superseded; nothing reads as
      // in force with other content.
      RecentVersion v = decode_recent(bad, kRecord);
      CHECK(v.status != RecentStatus::current);
    }
  }
  // A page of zeros, as some file systems leave after a power cut.
  CHECK(decode_recent(std::string(4096, '\0'), kRecord).status == RecentStatus::torn);
  // Half of a newer version over an older one of the same length.
  const std::string older = encode_recent(kRecord, kRecord + std::string(kNewer.size() - kRecord.size(), ' '));
  REQUIRE(older.size() == file.size());
  const std::string mixed = file.substr(0, file.size() / 2) + older.substr(file.size() / 2);
  CHECK(decode_recent(mixed, kRecord).status == RecentStatus::torn);
}

TEST_CASE("recent: headers that are not exactly right are torn") {
  const std::string body = kNewer;
  auto with_header = [&](const std::string& header) { return header + "\n" + body; };
  const std::string good = encode_recent(kRecord, kNewer);
  const std::string header = good.substr(0, good.find('\n'));
  CHECK(decode_recent(with_header(header), kRecord).status == RecentStatus::current);
  CHECK(decode_recent(with_header(header + " "), kRecord).status == RecentStatus::torn);
  CHECK(decode_recent(with_header("provlock-recent 2" + header.substr(17)), kRecord).status ==
        RecentStatus::torn);
  CHECK(decode_recent(with_header(" " + header), kRecord).status == RecentStatus::torn);
  CHECK(decode_recent("", kRecord).status == RecentStatus::torn);
  CHECK(decode_recent("provlock-recent 1 none 99999999999999999999999 0\n", std::nullopt).status ==
        RecentStatus::torn);
  CHECK(decode_recent("provlock-recent 1 none -1 cbf29ce484222325\n", std::nullopt).status ==
        RecentStatus::torn);
  // The empty record is a valid length-0 content (checksum of nothing).
  CHECK(decode_recent(encode_recent(std::nullopt, ""), std::nullopt).status ==
        RecentStatus::current);
}
