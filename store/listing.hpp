// Listing snapshots: what lets `list` read one file per folder instead of
// one (or two) per record. Reading a million record files costs about 4 µs
// of system calls and 5 µs of JSON parsing each; a snapshot row costs well
// under one.
//
// Each folder of device records may hold a snapshot, and its lock file
// holds the marks:
//
//   .list   a snapshot: one row for every record of the folder, its text
//           on one line, as the records stood when it was made. Written by `list` to a temporary
//           file and renamed into place, never flushed.
//   .lock   the folder's lock file (store/lock.hpp: the locks are on byte
//           ranges, its contents are free): kSlots bytes, one for each slot
//           of keys (slot_of), non-zero when a record of that slot may have
//           changed since the snapshot; then a nonce of 16 hex digits that
//           `list` writes each time it clears the marks, and that the
//           snapshot made after names. Every writer has the lock file open
//           already, so a mark costs one pwrite.
//
// The protocol (FileStore::scan of devices, and FileStore's writers):
//
// - Every change of a device's files (a change, a removal, a creation, a
//   bookkeeping overwrite, expire's fold of a recent version) first sets the
//   mark of its key's slot, while it holds the record's lock, and only then
//   writes. Writers never write the nonce.
// - `list`, for each folder, holds the folder's listing lock (a byte of
//   `.lock` beyond every key's byte) so that two lists never renew one
//   folder at once, and reads the old snapshot. Then it takes every record
//   lock of the folder at once (the range of all keys' bytes), which waits
//   for writes in progress and holds off new ones, and within it reads the
//   marks and the nonce. If the snapshot names that nonce and nothing is
//   marked, the snapshot is the listing and nothing is written. Otherwise,
//   still within the lock, it removes `.list` and clears the marks under a
//   new nonce; then it reads afresh every record of a marked slot (every
//   record, when the snapshot could not be used), takes the other rows from
//   the old snapshot, and writes the new snapshot, naming the new nonce.
// - So a row can be older than its record only while the record's slot is
//   marked: a write that finished before the marks were read is read afresh,
//   and one that started later marks its slot again for the next list. A
//   list that dies at any point leaves the old snapshot with its marks and
//   nonce, or no snapshot, or a snapshot naming a nonce that is not there.
// - A snapshot is used only if its header names the form of rows FileStore
//   keeps (kSnapshotForm), the kernel's boot id (a power cut can keep a
//   snapshot and lose the marks set after it, or the record writes that
//   never flush), the folder (device and
//   inode: a store copied elsewhere starts afresh) and the nonce now in the
//   lock file (a lock file removed, cut short or made anew has lost marks;
//   the nonce is random, so no writer, and no reuse of an inode number, can
//   bring it back).
// - A record that cannot be read, or is not JSON, has no row: its slot is
//   marked again, so that every list reports it anew. (A record that is
//   JSON but not a device has one, and every list reports it as it decodes
//   the row.)
// - `fsck --repair` drops every snapshot: within the record locks of the
//   folder it erases the nonce and removes `.list`.
// - The lock file is never removed or replaced by provlock; removed by hand,
//   it is made anew, empty, so the snapshot made against it is not used.
//
// Record files changed by hand (not through provlock) are not marked: the
// man page asks for `provlock fsck --repair` afterwards.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace provlock::store::listing {

inline constexpr const char* kSnapshotName = ".list";
inline constexpr std::size_t kSlots = 4096;
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kMarksSize = kSlots + kNonceSize;  // whole marks

// The slot of a key: which byte of the marks a write of it sets.
std::size_t slot_of(std::string_view key);

// What a snapshot was made against; it is used only when all of it matches.
struct Identity {
  std::string form;  // how the rows are kept: one word
  std::string boot;  // the kernel's boot id
  dev_t dev = 0;     // the folder's device and inode
  ino_t folder = 0;
  std::string nonce;  // the nonce of the folder's marks
};

struct Row {
  std::string_view key;
  std::string_view row;  // never holds '\n'
};

// The text of a snapshot of `rows`.
std::string encode(const Identity& identity, const std::vector<Row>& rows);

// The rows of a snapshot (pointing into `text`), or nullopt when it was made
// against another identity or is not a whole snapshot (cut short, or not one
// at all).
std::optional<std::vector<Row>> decode(std::string_view text, const Identity& identity);

// The nonce of the marks `marks` (the lock file's contents), or nullopt when
// they are not whole.
std::optional<std::string> nonce_of(std::string_view marks);

// A new random nonce.
std::string new_nonce();

// The kernel's boot id (/proc/sys/kernel/random/boot_id), read once; empty
// when it cannot be read, and then no snapshot is made or used.
const std::string& boot_id();

}  // namespace provlock::store::listing
