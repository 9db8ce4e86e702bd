// provlock unlock MAC... [--for DUR] [--force]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/duration.hpp"
#include "ops/unlock.hpp"

namespace provlock::cli {

namespace {
struct UnlockOptions {
  std::vector<std::string> macs;
  std::string duration;
  bool force = false;
};
}  // namespace

Runner setup_unlock(CLI::App& sub) {
  auto opt = std::make_shared<UnlockOptions>();
  sub.add_option("MAC", opt->macs, "MAC addresses; - reads them from stdin, one a line")->required();
  sub.add_option("--for", opt->duration, "How long the unlock lasts (default lock.unlock_for, 7d)")
      ->type_name("DUR");
  sub.add_flag("--force", opt->force, "Also unlock devices blocked for suspicious activity");
  return [opt](Context& ctx) {
    const std::int64_t length =
        opt->duration.empty() ? ctx.config.lock.unlock_for : parse_duration(opt->duration);
    const std::vector<Mac> macs = read_macs(opt->macs);
    const UnixTime until =
        end_of(ctx.now, length, Exit::usage,
               opt->duration.empty() ? "lock.unlock_for " + format_duration(length)
                                     : "unlock --for " + provlock::quoted(opt->duration));
    std::optional<Exit> first_failure;
    ops::unlock(
        ctx, macs, until, opt->force,
        [&](const std::string& mac) {
          if (ctx.json)
            print_json({{"mac", mac}, {"state", "unlocked"}, {"until", format_time(until)}});
          else
            std::cout << mac << " unlocked until " << format_time(until) << '\n';
        },
        [&](const Error& failure) {
          // One device's failure is told and does not stop the others.
          if (failure.code() != Exit::no_device && failure.code() != Exit::no_perm) throw failure;
          ctx.report(failure);
          if (!first_failure) first_failure = failure.code();
        });
    return first_failure ? static_cast<int>(*first_failure) : 0;
  };
}

}  // namespace provlock::cli
