// provlock add MAC... [--account A] [--label L]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "ops/devices.hpp"

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
    const std::vector<bool> created = ops::add_devices(ctx, macs, opt->account, opt->label);
    for (std::size_t i = 0; i < macs.size(); ++i) {
      const std::string mac = macs[i].str();
      if (ctx.json)
        print_json({{"mac", mac}, {"result", created[i] ? "added" : "exists"}});
      else
        std::cout << mac << (created[i] ? " added" : " exists (unchanged)") << '\n';
    }
    return 0;
  };
}

}  // namespace provlock::cli
