// provlock unlock-all [--account A] [--hours N]
//
// --account "" is the devices without an account; only leaving the flag out
// means every account (SPEC §6).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/duration.hpp"
#include "ops/unlock.hpp"

namespace provlock::cli {

namespace {
struct UnlockAllOptions {
  std::string account;
  std::string hours;
};
}  // namespace

Runner setup_unlock_all(CLI::App& sub) {
  auto opt = std::make_shared<UnlockAllOptions>();
  sub.add_option("--account", opt->account,
                 "Only devices of this account; \"\" for those without one (default: all)");
  sub.add_option("--hours", opt->hours,
                 "Only for N hours, 1 to 40 (default: until each device's next fetch)")
      ->type_name("N");
  return [opt, &sub](Context& ctx) {
    require_text(opt->account, "--account");
    const AccountScope scope = account_scope(sub.count("--account") > 0, opt->account);
    std::optional<UnixTime> until;
    if (!opt->hours.empty())
      until = end_of(ctx.now, std::int64_t{3600} * parse_hours(opt->hours), Exit::usage,
                     "unlock-all --hours " + opt->hours);
    const UnlockAll entry = ops::unlock_all(ctx, scope, until);
    const std::string until_text = until ? format_time(*until) : "";
    if (ctx.json) {
      print_json({{"id", entry.id},
                  {"account", scope_view(scope)},
                  {"until", until ? View(until_text) : View(nullptr)}});
      return 0;
    }
    const std::string devices =
        scope && scope->empty() ? "devices without an account" : "devices of " + scope_name(scope);
    std::cout << "unlock-all " << entry.id << ": " << devices << " unlocked until "
              << (until ? until_text + " or their next fetch" : "their next fetch") << '\n';
    return 0;
  };
}

}  // namespace provlock::cli
