// provlock unlock MAC... [--for DUR] [--force]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/duration.hpp"
#include "store/records_io.hpp"

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
    const store::Write mode = write_mode(macs.size());
    std::optional<Exit> first_failure;
    for (const Mac& mac : macs) {
      std::optional<Error> failure;
      bool was_blocked = false;
      store::update_record<Device>(*ctx.store, mac.str(), [&](std::optional<Device>& d) {
        if (!d) {
          failure = Error(Exit::no_device, "no such device: " + mac.str());
          return store::Write::none;
        }
        was_blocked = d->blocked;
        if (d->blocked && !opt->force) {
          failure = Error(Exit::no_perm, "device " + mac.str() +
                                             " is blocked for suspicious activity; unlock it with "
                                             "--force once the cause is known");
          return store::Write::none;
        }
        // A blocked device stays blocked underneath: if the unlock runs out
        // unused it falls back to blocked; the fetch that uses it lifts the
        // block.
        d->unlock_until = until;
        return mode;
      });
      if (failure) {
        report(*failure);
        if (!first_failure) first_failure = failure->code();
        continue;
      }
      journal(ctx, {{"command", "unlock"},
                    {"mac", mac.str()},
                    {"until", format_time(until)},
                    {"force", was_blocked}},
              mode == store::Write::relaxed);
      if (ctx.json)
        print_json({{"mac", mac.str()}, {"state", "unlocked"}, {"until", format_time(until)}});
      else
        std::cout << mac.str() << " unlocked until " << format_time(until) << '\n';
    }
    if (mode == store::Write::relaxed) ctx.store->sync();
    return first_failure ? static_cast<int>(*first_failure) : 0;
  };
}

}  // namespace provlock::cli
