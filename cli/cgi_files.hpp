// The files the CGI front serves: found beneath cgi.root only, and sent as
// a whole CGI response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/fs.hpp"

namespace provlock::cli {

// A regular file opened for serving.
struct ServedFile {
  store::Fd fd;
  std::uint64_t size = 0;
};

// Opens `dirs`/`file_name` beneath the directory `root`, one component at a
// time relative to the directory opened before it and with O_NOFOLLOW, so no
// symlink, anywhere on the way, and no ".." can lead outside `root` (the
// path of `root` itself is the operator's and may hold links). nullopt
// when there is no such regular file: a missing name, a symlink, a
// directory, a FIFO or device, or a name starting with '.' (dot files are
// never served). Components must already be checked (see CgiRequest).
// Throws Error(Exit::config) naming `root` when it cannot be opened.
std::optional<ServedFile> open_beneath(const std::string& root,
                                       const std::vector<std::string>& dirs,
                                       const std::string& file_name);

// The Content-Type for a file name, by its extension (case-insensitive):
// text/plain for .cfg and .txt, application/xml for .xml, text/html for
// .htm/.html, and so on; application/octet-stream for anything unknown.
std::string content_type(std::string_view file_name);

// Writes all of `data` to standard output, resuming after partial writes.
// Throws Error(Exit::io) if the server stops reading.
void write_out(std::string_view data);

// Writes at most `file.size` bytes of the file to standard output: the
// Content-Length already sent. Throws Error(Exit::io) on a read error.
void send_body(ServedFile& file);

}  // namespace provlock::cli
