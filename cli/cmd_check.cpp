// provlock check MAC IP [--authenticated] [--dry-run] [--json]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/fetch.hpp"

namespace provlock::cli {

namespace {
struct CheckOptions {
  std::string mac;
  std::string ip;
  bool authenticated = false;
  bool dry_run = false;
};
}  // namespace

Runner setup_check(CLI::App& sub) {
  auto opt = std::make_shared<CheckOptions>();
  sub.add_option("MAC", opt->mac, "The device asking for its configuration")->required();
  sub.add_option("IP", opt->ip, "The address it asks from")->required();
  sub.add_flag("--authenticated", opt->authenticated,
               "The web server verified the device's own HTTP credentials");
  sub.add_flag("--dry-run", opt->dry_run, "Decide, but write nothing");
  return [opt](Context& ctx) {
    // Bad input is refused before the store is touched; it is never an allow.
    Fetch fetch{parse_mac(opt->mac), parse_ip(opt->ip), opt->authenticated};
    FetchResult r = judge_fetch(ctx, fetch, opt->dry_run);
    if (ctx.json)
      print_json(decision_view(r, fetch, ctx));
    else
      std::cout << decision_line(r) << '\n';
    if (r.store_error) {
      std::cout.flush();
      std::cerr << "provlock: " << r.store_error->what() << '\n';
      return static_cast<int>(r.store_error->code() == Exit::temp_fail ? Exit::temp_fail : Exit::io);
    }
    return r.allow ? 0 : 1;
  };
}

}  // namespace provlock::cli
