// The files the CGI and FastCGI fronts serve: found beneath cgi.root only,
// and sent as the body of a response.
#pragma once

#include <cstdint>
#include <functional>
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

// Hands `file.size` bytes of the file (the Content-Length already sent) to
// `write`, in pieces of at most 64 KiB. Throws Error(Exit::io) on a read
// error or a file that shrank since it was opened; what `write` throws
// passes through.
void send_body(ServedFile& file, const std::function<void(std::string_view)>& write);

}  // namespace provlock::cli
