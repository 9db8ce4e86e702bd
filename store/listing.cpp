#include "store/listing.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "lib/error.hpp"
#include "lib/hash.hpp"

namespace provlock::store::listing {
namespace {

// provlock-list 1 <form> <boot> <dev> <folder> <nonce> <rows> <body bytes>\n
// then one "<key>\t<row>\n" line for each row.
constexpr std::string_view kMagic = "provlock-list 1";

std::string header_of(const Identity& id, std::size_t rows, std::size_t bytes) {
  std::string h(kMagic);
  for (const std::string& word :
       {id.form, id.boot, std::to_string(id.dev), std::to_string(id.folder), id.nonce,
        std::to_string(rows), std::to_string(bytes)}) {
    h += ' ';
    h += word;
  }
  h += '\n';
  return h;
}

bool parse_size(std::string_view text, std::size_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::size_t slot_of(std::string_view key) {
  // High bits: the record lock's byte uses the low ones.
  return static_cast<std::size_t>(fnv1a64(key) >> 40) % kSlots;
}

std::string encode(const Identity& identity, const std::vector<Row>& rows) {
  std::size_t bytes = 0;
  for (const Row& r : rows) bytes += r.key.size() + r.row.size() + 2;
  std::string out = header_of(identity, rows.size(), bytes);
  out.reserve(out.size() + bytes);
  for (const Row& r : rows) {
    out += r.key;
    out += '\t';
    out += r.row;
    out += '\n';
  }
  return out;
}

std::optional<std::vector<Row>> decode(std::string_view text, const Identity& identity) {
  const auto newline = text.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  const std::string_view header = text.substr(0, newline + 1);
  std::string_view body = text.substr(newline + 1);
  // Everything but the two counts must be exactly what is expected.
  const std::string expect = header_of(identity, 0, 0);
  const std::string_view fixed(expect.data(), expect.size() - 5);  // up to " 0 0\n"
  if (!header.starts_with(fixed)) return std::nullopt;
  std::string_view counts = header.substr(fixed.size());
  if (counts.size() < 5 || counts.front() != ' ' || counts.back() != '\n') return std::nullopt;
  counts = counts.substr(1, counts.size() - 2);
  const auto space = counts.find(' ');
  std::size_t rows = 0, bytes = 0;
  if (space == std::string_view::npos || !parse_size(counts.substr(0, space), rows) ||
      !parse_size(counts.substr(space + 1), bytes) || bytes != body.size() ||
      rows > body.size() / 3)
    return std::nullopt;
  std::vector<Row> out;
  out.reserve(rows);
  while (!body.empty()) {
    const auto end = body.find('\n');
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view line = body.substr(0, end);
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0) return std::nullopt;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
    body.remove_prefix(end + 1);
  }
  if (out.size() != rows) return std::nullopt;
  return out;
}

std::optional<std::string> nonce_of(std::string_view marks) {
  if (marks.size() != kMarksSize) return std::nullopt;
  const std::string_view nonce = marks.substr(kSlots);
  if (!is_hex(nonce)) return std::nullopt;
  return std::string(nonce);
}

std::string new_nonce() {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char bytes[kNonceSize / 2];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0)
      got += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      throw Error(Exit::io, std::string("cannot make a nonce: ") + std::strerror(errno));
  }
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

const std::string& boot_id() {
  static const std::string id = [] {
    std::string text;
    const int fd = ::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    char buf[64];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n <= 0) return text;
    text.assign(buf, static_cast<std::size_t>(n));
    while (!text.empty() && text.back() == '\n') text.pop_back();
    // A word of the header: anything else is no boot id at all.
    std::string digits = text;
    std::erase(digits, '-');
    if (digits.empty() || !is_hex(digits)) return std::string();
    return text;
  }();
  return id;
}

}  // namespace provlock::store::listing
