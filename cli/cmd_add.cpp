// provlock add MAC... [--account A] [--label L]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

namespace {
struct AddOptions {
  std::vector<std::string> macs;
  std::string account;
  std::string label;
};
}  // namespace

Runner setup_add(CLI::App& sub) {
  auto opt = std::make_shared<AddOptions>();
  sub.add_option("MAC", opt->macs, "MAC addresses; - reads them from stdin, one a line")->required();
  sub.add_option("--account", opt->account, "Account the devices belong to");
  sub.add_option("--label", opt->label, "A note for the operator (e.g. the desk)");
  return [opt](Context& ctx) {
    const std::vector<Mac> macs = read_macs(opt->macs);
    // Devices added now must not be caught by unlock-alls given before.
    const UnlockAllSet unlock_alls = load_rules(ctx).unlock_alls;
    const store::Write mode = write_mode(macs.size());
    for (const Mac& mac : macs) {
      bool added = false;
      store::update_record<Device>(*ctx.store, mac.str(), [&](std::optional<Device>& d) {
        if (d) return store::Write::none;
        d = Device{};
        d->mac = mac;
        d->account = opt->account;
        d->label = opt->label;
        d->registered = ctx.now;
        d->unlock_all_seen = unlock_alls.last_id;
        added = true;
        return mode;
      });
      if (added)
        journal(ctx, {{"command", "add"}, {"mac", mac.str()}, {"account", opt->account}},
                mode == store::Write::relaxed);
      if (ctx.json)
        print_json({{"mac", mac.str()}, {"result", added ? "added" : "exists"}});
      else
        std::cout << mac.str() << (added ? " added" : " exists (unchanged)") << '\n';
    }
    if (mode == store::Write::relaxed) ctx.store->sync();
    return 0;
  };
}

}  // namespace provlock::cli
