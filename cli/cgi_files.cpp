#include "cli/cgi_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "lib/error.hpp"

namespace provlock::cli {

std::optional<ServedFile> open_beneath(const std::string& root,
                                       const std::vector<std::string>& dirs,
                                       const std::string& file_name) {
  auto hidden = [](const std::string& name) { return name.empty() || name[0] == '.'; };
  // O_NONBLOCK: a FIFO planted in the root must not hang the open.
  constexpr int kFileFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  auto served = [](store::Fd fd) -> std::optional<ServedFile> {
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return ServedFile{std::move(fd), static_cast<std::uint64_t>(st.st_size)};
  };
  // A file right in the root (a phone's own file, the usual request): one
  // open of root/name, which follows the root's symlinks as the open of the
  // root below does and none in the name. If it fails, the way below tells
  // a missing root from a missing file.
  if (dirs.empty() && !hidden(file_name)) {
    store::Fd fd(::open((root + "/" + file_name).c_str(), kFileFlags));
    if (fd.valid()) return served(std::move(fd));
  }
  store::Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid())
    throw Error(Exit::config, "cannot open cgi.root " + root + ": " + std::strerror(errno));
  for (const std::string& name : dirs) {
    if (hidden(name)) return std::nullopt;
    store::Fd next(
        ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return std::nullopt;
    dir = std::move(next);
  }
  if (hidden(file_name)) return std::nullopt;
  return served(store::Fd(::openat(dir.get(), file_name.c_str(), kFileFlags)));
}

std::string content_type(std::string_view file_name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {"cfg", "text/plain"},       {"txt", "text/plain"},        {"conf", "text/plain"},
      {"ini", "text/plain"},       {"csv", "text/csv"},          {"xml", "application/xml"},
      {"htm", "text/html"},        {"html", "text/html"},        {"json", "application/json"},
      {"zip", "application/zip"},  {"tar", "application/x-tar"}, {"gz", "application/gzip"},
      {"tgz", "application/gzip"}, {"png", "image/png"},         {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},      {"gif", "image/gif"},         {"bmp", "image/bmp"},
      {"wav", "audio/wav"},
  };
  const std::size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string ext(file_name.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [e, type] : kTypes)
      if (ext == e) return std::string(type);
  }
  return "application/octet-stream";
}

void send_body(ServedFile& file, const std::function<void(std::string_view)>& write) {
  char buf[64 * 1024];
  std::uint64_t left = file.size;
  while (left > 0) {
    const ssize_t n = ::read(file.fd.get(), buf,
                             static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof buf)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(Exit::io,
                  std::string("cannot read the file being served: ") + std::strerror(errno));
    if (n == 0)  // shrunk since it was opened: the length sent can no longer be met
      throw Error(Exit::io, "the file being served shrank while it was sent");
    write(std::string_view(buf, static_cast<std::size_t>(n)));
    left -= static_cast<std::uint64_t>(n);
  }
}

}  // namespace provlock::cli
