// The FastCGI responder loop behind `provlock fcgi` (SPEC §7): one process,
// many requests, each answered exactly as `provlock cgi` answers it
// (cli/http_front.hpp), with the store kept open between them.
#pragma once

#include "cli/context.hpp"

namespace provlock::cli {

// How long one connection may keep provlock waiting for the web server to
// send the rest of a request or to take the response.
inline constexpr int kFastCgiIoTimeoutSeconds = 10;

// How long one connection may take over a whole request: from when provlock
// starts reading it to the end of its params and input, and to its hang-up
// when the connection is not kept. A web server that sends it slower, a byte
// at a time within kFastCgiIoTimeoutSeconds each, is cut off then.
inline constexpr int kFastCgiRequestSeconds = 10;

// Serves FastCGI requests accepted on the listening socket `listen_fd`, one
// at a time, until SIGTERM, SIGINT or SIGUSR1 (each ends it between
// requests: a request being answered is finished first, an idle wait ends at
// once); returns 0 then. Per request: `now` is read again (unless fixed by
// --now or PROVLOCK_NOW), and the config file is stat()ed and re-read when
// its device, inode, size or modification time changed, or after SIGHUP. A
// config that does not load is reported once per change and the last good
// one stays in force. Each request's errors go to its FastCGI error stream
// (the web server's error log); the process's own (a config that does not
// reload) also to `log` (stderr). A connection that sends a malformed
// record, hangs up, stalls longer than kFastCgiIoTimeoutSeconds, or has not
// sent the whole request kFastCgiRequestSeconds after provlock started
// reading it, loses that request only (and its connection). A connection
// the web server asks to keep (FCGI_KEEP_CONN) stays open for its next
// request; up to 64 are kept, the requests of each answered in turn, the
// least recently used closed beyond that. Throws Error(Exit::io) only when
// the listening socket itself fails.
int serve_fastcgi(Context ctx, int listen_fd, const Reporter& log);

}  // namespace provlock::cli
