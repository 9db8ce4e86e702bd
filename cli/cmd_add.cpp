// provlock add MAC... [--account A] [--label L]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "store/store.hpp"

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
  sub.add_option("MAC", opt->macs, "MAC addresses; - reads them from stdin, one a line")
      ->required();
  sub.add_option("--account", opt->account, "Account the devices belong to");
  sub.add_option("--label", opt->label, "A note for the operator (e.g. the desk)");
  return [opt](Context& ctx) {
    require_text(opt->account, "--account");
    require_text(opt->label, "--label");
    const std::vector<Mac> macs = read_macs(opt->macs);
    // Devices added now must not be caught by unlock-alls given before.
    const UnlockAllSet unlock_alls = load_rules(ctx).unlock_alls;
    std::vector<std::pair<std::string, store::Json>> records;
    records.reserve(macs.size());
    for (const Mac& mac : macs) {
      const Device d = new_device(mac, opt->account, opt->label, ctx.now, unlock_alls);
      records.emplace_back(mac.str(), to_json(d));
    }
    // Re-adding a device changes nothing, so office-move scripts can re-run.
    const std::vector<bool> created = ctx.store->create_all(store::Kind::device, records);
    for (std::size_t i = 0; i < macs.size(); ++i) {
      const std::string mac = macs[i].str();
      if (created[i])
        journal(ctx, {{"command", "add"}, {"mac", mac}, {"account", opt->account}}, true);
      if (ctx.json)
        print_json({{"mac", mac}, {"result", created[i] ? "added" : "exists"}});
      else
        std::cout << mac << (created[i] ? " added" : " exists (unchanged)") << '\n';
    }
    ctx.store->sync();
    return 0;
  };
}

}  // namespace provlock::cli
