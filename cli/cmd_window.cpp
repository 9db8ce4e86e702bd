// provlock window open IP --hours N [--account A] | close IP | list
//
// --account "" is the devices without an account; only leaving the flag out
// means every account (SPEC §6).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/duration.hpp"
#include "lib/policy.hpp"
#include "ops/window.hpp"

namespace provlock::cli {

namespace {
struct WindowOptions {
  std::string ip;
  std::string hours;
  std::string account;
};

View window_view(const Window& w) {
  return {{"ip", w.ip.str()},
          {"account", scope_view(w.account)},
          {"opened", format_time(w.opened)},
          {"until", format_time(w.until)}};
}

int run_window_open(Context& ctx, const WindowOptions& opt, bool account_given) {
  require_text(opt.account, "--account");
  const Ip ip = parse_ip(opt.ip);
  const UnixTime until = end_of(ctx.now, std::int64_t{3600} * parse_hours(opt.hours), Exit::usage,
                                "window open --hours " + opt.hours);
  Window w{ip, account_scope(account_given, opt.account), ctx.now, until};
  ops::open_window(ctx, w);
  if (ctx.json)
    print_json(window_view(w));
  else
    std::cout << "window open for " << ip.str() << " until " << format_time(w.until)
              << (w.account ? " (" + scope_name(w.account) + ")" : "") << '\n';
  return 0;
}

int run_window_close(Context& ctx, const WindowOptions& opt) {
  const Ip ip = parse_ip(opt.ip);
  const bool closed = ops::close_window(ctx, ip);
  if (ctx.json)
    print_json({{"ip", ip.str()}, {"result", closed ? "closed" : "not-open"}});
  else
    std::cout << "window for " << ip.str() << (closed ? " closed" : " was not open") << '\n';
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
      std::cout << w.ip.str() << "  until " << format_time(w.until) << "  " << scope_name(w.account)
                << '\n';
  }
  return bad ? static_cast<int>(Exit::io) : 0;
}
}  // namespace

Runner setup_window(CLI::App& sub) {
  auto opt = std::make_shared<WindowOptions>();
  sub.require_subcommand(1, 1);
  CLI::App* open = sub.add_subcommand("open", "Let devices fetching from IP provision for N hours");
  open->add_option("IP", opt->ip, "The address phones will provision from")->required();
  open->add_option("--hours", opt->hours, "How long, 1 to 40 hours")->required()->type_name("N");
  open->add_option("--account", opt->account,
                   "Only devices of this account; \"\" for those without one (default: all)");
  CLI::App* close = sub.add_subcommand("close", "Close the window of IP");
  close->add_option("IP", opt->ip, "The address")->required();
  CLI::App* list = sub.add_subcommand("list", "List the windows open now");

  return [opt, open, close, list](Context& ctx) {
    if (open->parsed()) return run_window_open(ctx, *opt, open->count("--account") > 0);
    if (close->parsed()) return run_window_close(ctx, *opt);
    (void)list;
    return run_window_list(ctx);
  };
}

}  // namespace provlock::cli
