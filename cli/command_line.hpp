// What main reads of argv before CLI11 parses it: which words are the
// operator's, whether this is a CGI request, and which command runs.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "cli/context.hpp"

namespace provlock::cli {

// argv without the words a CGI server took from the client's query string:
// those are the client's, never the operator's, and are never read as
// commands or options (a query "?unlock-all" must not run unlock-all).
std::vector<char*> operator_arguments(int argc, char** argv);

// The CGI front's command line: `provlock.cgi` (whatever follows), or
// `provlock [--store DIR] [--config FILE] [--now TIME] cgi` (whatever follows
// `cgi`: a server may add a query's words there). Its global options are the
// operator's (a wrapper script's), read like any command's. nullopt for
// every other command line.
std::optional<Globals> cgi_command_line(const std::vector<char*>& args);

// The command word of argv: the first argument that is neither a global
// option nor its value. Empty if there is none.
std::string_view command_word(int argc, char** argv);

}  // namespace provlock::cli
