// provlock: argv -> a command; the one place that turns errors into
// "provlock: <message>" and the exit codes of SPEC §10.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <vector>

#include "cli/commands.hpp"
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
    {"window", "Open, close or list provisioning windows for an IP", setup_window},
    {"ban", "List, add or remove IP bans", setup_ban},
    {"expire", "End what has expired and prune the journal (for cron)", setup_expire},
    {"log", "Show the journal", setup_log},
    {"fsck", "Check the store, and repair it with --repair", setup_fsck},
    {"completions", "Print a shell completion script", setup_completions},
};

int fail(const std::string& message, Exit code) {
  std::cout.flush();
  // Messages name outside values (argv words, bytes of a damaged record):
  // escaped here once for all (SPEC §10); quoted() values are unchanged.
  std::cerr << "provlock: " << printable(message) << '\n';
  return static_cast<int>(code);
}

// The command word of argv: the first argument that is neither a global
// option nor its value. Empty if there is none.
std::string_view command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--store" || arg == "--config" || arg == "--now") {
      ++i;
      continue;
    }
    if (!arg.starts_with("-")) return arg;
  }
  return {};
}

bool invoked_as_cgi(int argc, char** argv) {
  std::string_view self = argc > 0 ? argv[0] : "";
  if (auto slash = self.rfind('/'); slash != std::string_view::npos) self.remove_prefix(slash + 1);
  return self == "provlock.cgi" || (argc >= 2 && std::string_view(argv[1]) == "cgi");
}

int run(int argc, char** argv) {
  // In a CGI request nothing beyond the command itself is read from argv.
  if (invoked_as_cgi(argc, argv)) return run_cgi();
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
      return fail("unknown command '" + rest.front() + "' (see provlock --help)", Exit::usage);
    return fail(e.what(), Exit::usage);
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
    return fail("unknown command '" + help_topic + "'", Exit::usage);
  }

  for (auto& [sub, runner] : runners) {
    if (!sub->parsed()) continue;
    Context ctx = make_context(globals);
    return runner(ctx);
  }
  return fail("no command given", Exit::usage);
}

}  // namespace
}  // namespace provlock::cli

int main(int argc, char** argv) {
  using provlock::Error;
  try {
    return provlock::cli::run(argc, argv);
  } catch (const Error& e) {
    return provlock::cli::fail(e.what(), e.code());
  } catch (const std::exception& e) {
    return provlock::cli::fail(std::string("internal error: ") + e.what(), provlock::Exit::internal);
  }
}
