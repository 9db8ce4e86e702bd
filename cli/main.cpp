// provlock: argv -> a command; the one place that turns errors into
// "provlock: <message>" and the exit codes of SPEC §10.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/listen_socket.hpp"
#include "cli/store_backend.hpp"
#include "lib/error.hpp"

namespace provlock::cli {

Runner setup_completions(CLI::App& sub);  // cmd_completions.cpp: hidden, run by the build

namespace {

const Command kCommands[] = {
    {"check", "Decide whether a device may fetch its configuration from an IP", setup_check},
    {"add", "Register devices", setup_add},
    {"remove", "Forget devices", setup_remove},
    {"show", "Show one device", setup_show},
    {"list", "List devices", setup_list},
    {"unlock", "Let devices provision once more from any IP", setup_unlock},
    {"unlock-all", "Unlock every device of an account (or all) until its next fetch",
     setup_unlock_all},
    {"window", "Open, close or list provisioning windows for an IP or prefix", setup_window},
    {"ban", "List, add or remove IP bans", setup_ban},
    {"expire", "End what has expired and prune the journal (for cron)", setup_expire},
    {"log", "Show the journal", setup_log},
    {"fsck", "Check the store, and repair it with --repair", setup_fsck},
    {"fcgi", "Answer the web server's requests as a FastCGI responder", setup_fcgi},
    {"completions", "Print a shell completion script", setup_completions},
};

// The one writer of an error line: "provlock: <what>" on stderr, after
// what was printed to stdout so far. Messages name outside values (argv
// words, bytes of a damaged record): escaped here once for all (SPEC §10);
// quoted() values are unchanged. In a CGI request stderr is the web
// server's error log, which gets ASCII only (`ascii_only`).
void write_error(const Error& error, bool ascii_only) {
  std::cout.flush();
  std::cerr << "provlock: " << printable(error.what(), ascii_only) << '\n';
}

// The reporters commands are given (Context::report): one for the command
// line, one for a CGI request.
void report_error(const Error& error) {
  write_error(error, false);
}
void log_error(const Error& error) {
  write_error(error, true);
}

// Writes the error that ends a command; returns its exit code.
int fail(const Error& error) {
  report_error(error);
  return static_cast<int>(error.code());
}

int run(int argc_in, char** argv_in) {
  remember_arguments(argc_in, argv_in);
  std::vector<char*> args = operator_arguments(argc_in, argv_in);
  // A CGI request reads nothing from argv beyond the command line that
  // names the CGI front and the operator's global options before it. Started
  // by a FastCGI server instead (a listening socket on standard input), the
  // same program is the FastCGI front.
  if (auto globals = cgi_command_line(args)) {
    if (!stdin_is_listening()) return run_cgi(*globals, log_error);
    Context ctx = make_context(*globals, log_error);
    return run_fcgi(ctx, "", log_error);
  }
  const int argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  char** argv = args.data();
  CLI::App app{"provlock: lock phones to the address they were provisioned from", "provlock"};
  app.set_version_flag("--version", std::string("provlock ") + PROVLOCK_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough();

  Globals globals;
  app.add_option("--store", globals.store, "Store directory (default /var/lib/provlock)")
      ->type_name("DIR");
  app.add_option("--config", globals.config, "Config file (default /etc/provlock/provlock.toml)")
      ->type_name("FILE");
  app.add_option("--now", globals.now, "Act as if it were this time (RFC 3339 or @unix)")
      ->type_name("TIME");
  app.add_flag("--json", globals.json, "Print JSON (JSON Lines for lists)");

  // `check` runs on every config fetch: it sets up its own flags only.
  const bool lean = command_word(argc, argv) == "check";
  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const Command& c : kCommands) {
    if (lean && std::string_view(c.name) != "check") continue;
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    runners.emplace_back(sub, c.setup(*sub));
  }
  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "Show help for a command");
  help->add_option("command", help_topic, "The command");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // CLI11 says "A subcommand is required" for a misspelt command; name it.
    std::vector<std::string> rest = app.remaining();
    if (app.get_subcommands().empty() && !rest.empty() && rest.front()[0] != '-')
      return fail(
          Error(Exit::usage, "unknown command '" + rest.front() + "' (see provlock --help)"));
    return fail(Error(Exit::usage, e.what()));
  }

  if (help->parsed()) {
    if (help_topic.empty()) {
      std::cout << app.help();
      return 0;
    }
    for (auto& [sub, runner] : runners)
      if (sub->get_name() == help_topic) {
        std::cout << sub->help();
        return 0;
      }
    return fail(Error(Exit::usage, "unknown command '" + help_topic + "'"));
  }

  for (auto& [sub, runner] : runners) {
    if (!sub->parsed()) continue;
    Context ctx = make_context(globals, report_error);
    return command_done(runner(ctx));
  }
  return fail(Error(Exit::usage, "no command given"));
}

}  // namespace
}  // namespace provlock::cli

int main(int argc, char** argv) {
  using provlock::Error;
  try {
    return provlock::cli::run(argc, argv);
  } catch (const Error& e) {
    return provlock::cli::fail(e);
  } catch (const std::exception& e) {
    return provlock::cli::fail(
        Error(provlock::Exit::internal, std::string("internal error: ") + e.what()));
  }
}
