// provlock add MAC... [--account A] [--label L] [--user NAME]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/identity.hpp"
#include "ops/devices.hpp"

namespace provlock::cli {

namespace {
struct AddOptions {
  std::vector<std::string> macs;
  Registration r;
};
}  // namespace

Runner setup_add(CLI::App& sub) {
  auto opt = std::make_shared<AddOptions>();
  sub.add_option("MAC", opt->macs, "MAC addresses; - reads them from stdin, one a line")
      ->required();
  sub.add_option("--account", opt->r.account, "Account the devices belong to");
  sub.add_option("--label", opt->r.label, "A note for the operator (e.g. the desk)");
  sub.add_option("--user", opt->r.user,
                 "The device's own HTTP user name (REMOTE_USER), besides its MAC");
  return [opt, &sub](Context& ctx) {
    require_text(opt->r.account, "--account");
    require_text(opt->r.label, "--label");
    const std::vector<Mac> macs = read_macs(opt->macs);
    if (sub.count("--user")) {
      // One user name is one phone's credentials: shared by several devices
      // it would open all of them.
      if (macs.size() != 1)
        throw Error(Exit::usage, "--user names one device's credentials: give exactly one MAC");
      if (auto refusal = user_name_refusal(opt->r.user, macs[0])) throw *refusal;
    }
    const std::vector<bool> created = ops::add_devices(ctx, macs, opt->r);
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
