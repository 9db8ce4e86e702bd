// provlock expire [--dry-run]: for cron (ops/expire.hpp).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "ops/expire.hpp"

namespace provlock::cli {

Runner setup_expire(CLI::App& sub) {
  auto dry_run = std::make_shared<bool>(false);
  sub.add_flag("--dry-run", *dry_run, "Count what would be done, change nothing");
  return [dry_run](Context& ctx) {
    const bool dry = *dry_run;
    const ops::ExpireCounts n = ops::expire(ctx, dry, ctx.report);
    const int bans = n.bans + n.range_bans;
    if (ctx.json) {
      print_json({{"dry_run", dry},
                  {"unlocks", n.unlocks},
                  {"unlock_alls", n.unlock_alls},
                  {"bans", bans},
                  {"windows", n.windows},
                  {"forgotten", n.forgotten},
                  {"journal_days", n.journal_days},
                  {"folded", n.folded}});
    } else {
      std::cout << (dry ? "would expire: " : "expired: ") << n.unlocks << " unlocks, "
                << n.unlock_alls << " unlock-alls, " << bans << " bans, " << n.windows
                << " windows; forgot " << n.forgotten << " addresses; pruned " << n.journal_days
                << " journal days\n";
    }
    return n.unreadable ? static_cast<int>(Exit::io) : 0;
  };
}

}  // namespace provlock::cli
