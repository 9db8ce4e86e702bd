// The command table: every subcommand is one row, one file (cmd_<name>.cpp)
// with a setup_<name> that declares its flags and returns the function that
// runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/context.hpp"

namespace provlock::cli {

// Runs a parsed command; returns the exit code.
using Runner = std::function<int(Context&)>;

struct Command {
  const char* name;
  const char* summary;
  Runner (*setup)(CLI::App& sub);
};

Runner setup_add(CLI::App& sub);
Runner setup_remove(CLI::App& sub);
Runner setup_show(CLI::App& sub);
Runner setup_list(CLI::App& sub);
Runner setup_check(CLI::App& sub);
Runner setup_unlock(CLI::App& sub);
Runner setup_log(CLI::App& sub);
Runner setup_unlock_all(CLI::App& sub);
Runner setup_window(CLI::App& sub);
Runner setup_ban(CLI::App& sub);
Runner setup_expire(CLI::App& sub);
Runner setup_fsck(CLI::App& sub);
Runner setup_fcgi(CLI::App& sub);

// The CGI front: takes nothing from argv but the operator's global options
// before `cgi` (RFC 3875 §4.4 lets a server pass a query string's words
// there; main drops them); everything else comes from the CGI environment,
// PROVLOCK_CONFIG and PROVLOCK_STORE. Writes a whole CGI response to stdout;
// what went wrong goes to `log`, the web server's error log.
int run_cgi(const Globals& globals, const Reporter& log);

// The FastCGI front: serves requests on the listening socket `socket` names
// (see open_listen_socket), or on standard input when `socket` is "" (then
// a listening socket, else Error(Exit::usage)), with the answers of
// run_cgi, until SIGTERM. `ctx` is the first request's session; `log` gets
// the process's own errors.
int run_fcgi(Context& ctx, const std::string& socket, const Reporter& log);

}  // namespace provlock::cli
