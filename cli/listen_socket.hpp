// The listening socket of `provlock fcgi`: the one a FastCGI server hands
// over on standard input, or one opened from --socket.
#pragma once

#include <string>

namespace provlock::cli {

// Whether standard input is a listening socket (SO_ACCEPTCONN): the
// FastCGI convention for a responder started by spawn-fcgi, systemd
// (StandardInput=socket) or mod_fcgid.
bool stdin_is_listening();

// Opens a listening socket from --socket: "HOST:PORT" or "[HOST]:PORT" with
// a numeric IPv4 or IPv6 HOST ("" is every address), or else the path of a
// Unix socket, which replaces a socket (and only a socket) already there and
// gets the permissions of the umask. Throws Error(Exit::usage) naming a
// value that is neither, Error(Exit::cant_create) when it cannot be opened.
int open_listen_socket(const std::string& spec);

}  // namespace provlock::cli
