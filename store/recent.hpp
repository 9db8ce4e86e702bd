// The recent version of a record: bookkeeping (last seen, counters, attempt
// times) written without any flush, so that a check costs no disk wait.
//
// A record lives in two files. "<key>.json" holds what was last written
// durably (or relaxed, which still flushes before its rename): every fact
// that decides who may fetch. "<key>.recent", when present, holds a newer
// whole version of the record that differs from it only in bookkeeping. It is
// overwritten in place, never flushed, and so a power cut may leave it old,
// missing, or torn. Its header therefore names the exact record file it was
// written over (a hash of that file's bytes, or "none" when there was no
// record file) and a checksum of its own contents:
//
//   provlock-recent 1 <base: 16 hex | none> <length> <checksum: 16 hex>\n
//   <the record's JSON, <length> bytes>
//
// It is in force only when it is whole (length and checksum match; bytes
// after <length> are ignored, so it never needs truncating) and its base is
// the record file as it is now. Anything else (torn, or written over a record
// file that has since been replaced) is ignored: the record file stands, and
// all that is lost is bookkeeping. A fact that decides who may fetch is never
// written here (see Write::bookkeeping in store.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace provlock::store {

inline constexpr std::string_view kRecentSuffix = ".recent";

// The file text of a recent version of `content`, written over the record
// file `base` (nullopt: there is no record file).
std::string encode_recent(const std::optional<std::string>& base, std::string_view content);

enum class RecentStatus {
  current,     // whole, and written over the record file as it is now
  superseded,  // whole, but written over another record file (or none)
  torn,        // not a whole recent version: cut short, mixed, or not one at all
};

struct RecentVersion {
  RecentStatus status = RecentStatus::torn;
  std::string content;  // the record's JSON; set when current
};

// Reads the text of a ".recent" file against the record file `base`.
RecentVersion decode_recent(std::string_view file, const std::optional<std::string>& base);

}  // namespace provlock::store
