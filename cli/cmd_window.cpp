// provlock window open IP|CIDR --hours N [--account A] | close IP|CIDR | list
//
// --account "" is the devices without an account; only leaving the flag out
// means every account (SPEC §6). A single IPv6 address names its binding
// prefix (lib/window.hpp).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/duration.hpp"
#include "lib/policy.hpp"
#include "lib/window.hpp"
#include "ops/window.hpp"

namespace provlock::cli {

namespace {
struct WindowOptions {
  std::string target;
  std::string hours;
  std::string account;
};

// "ip" is the name `window close` takes (window_name); "prefix" the CIDR.
View window_view(const Window& w) {
  return {{"ip", window_name(w.prefix)},
          {"prefix", w.prefix.str()},
          {"account", scope_view(w.account)},
          {"opened", format_time(w.opened)},
          {"until", format_time(w.until)}};
}

int run_window_open(Context& ctx, const WindowOptions& opt, bool account_given) {
  require_text(opt.account, "--account");
  const WindowTarget target = window_target(opt.target, ctx.config);
  const UnixTime until = end_of(ctx.now, std::int64_t{3600} * parse_hours(opt.hours), Exit::usage,
                                "window open --hours " + opt.hours);
  Window w{target.prefix, account_scope(account_given, opt.account), ctx.now, until};
  ops::open_window(ctx, w);
  if (ctx.json)
    print_json(window_view(w));
  else
    std::cout << "window open for " << window_name(w.prefix) << " until " << format_time(w.until)
              << (w.account ? " (" + scope_name(w.account) + ")" : "") << '\n';
  return 0;
}

// A single IPv6 address closes the window of its binding prefix and the
// window of the address alone (as 0.1 opened it), each that is open.
int run_window_close(Context& ctx, const WindowOptions& opt) {
  const WindowTarget target = window_target(opt.target, ctx.config);
  std::vector<Prefix> closed;
  if (ops::close_window(ctx, target.prefix)) closed.push_back(target.prefix);
  if (target.address && ops::close_window(ctx, *target.address)) closed.push_back(*target.address);
  auto say = [&](const Prefix& p, bool was_open) {
    if (ctx.json)
      print_json({{"ip", window_name(p)}, {"result", was_open ? "closed" : "not-open"}});
    else
      std::cout << "window for " << window_name(p) << (was_open ? " closed" : " was not open")
                << '\n';
  };
  if (closed.empty()) say(target.prefix, false);
  for (const Prefix& p : closed) say(p, true);
  return 0;
}

int run_window_list(Context& ctx) {
  int bad = 0;
  const std::vector<Window> windows = ops::open_windows(ctx, [&](const Error& e) {
    ++bad;
    ctx.report(e);
  });
  for (const Window& w : windows) {
    if (ctx.json)
      print_json(window_view(w));
    else
      std::cout << window_name(w.prefix) << "  until " << format_time(w.until) << "  "
                << scope_name(w.account) << '\n';
  }
  return bad ? static_cast<int>(Exit::io) : 0;
}
}  // namespace

Runner setup_window(CLI::App& sub) {
  auto opt = std::make_shared<WindowOptions>();
  sub.require_subcommand(1, 1);
  CLI::App* open =
      sub.add_subcommand("open", "Let devices fetching from IP or CIDR provision for N hours");
  open->add_option("IP", opt->target,
                   "The address (IPv6: its binding prefix) or CIDR (IPv4 /16 to /32, IPv6 /32 to "
                   "/128) phones will provision from")
      ->required();
  open->add_option("--hours", opt->hours, "How long, 1 to 40 hours")->required()->type_name("N");
  open->add_option("--account", opt->account,
                   "Only devices of this account; \"\" for those without one (default: all)");
  CLI::App* close = sub.add_subcommand("close", "Close the window of IP or CIDR");
  close->add_option("IP", opt->target, "The address or CIDR prefix, as window open took it")
      ->required();
  CLI::App* list = sub.add_subcommand("list", "List the windows open now");

  return [opt, open, close, list](Context& ctx) {
    if (open->parsed()) return run_window_open(ctx, *opt, open->count("--account") > 0);
    if (close->parsed()) return run_window_close(ctx, *opt);
    (void)list;
    return run_window_list(ctx);
  };
}

}  // namespace provlock::cli
