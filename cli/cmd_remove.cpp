// provlock remove MAC...
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

Runner setup_remove(CLI::App& sub) {
  auto macs_arg = std::make_shared<std::vector<std::string>>();
  sub.add_option("MAC", *macs_arg, "MAC addresses; - reads them from stdin, one a line")->required();
  return [macs_arg](Context& ctx) {
    std::vector<std::string> missing;
    const std::vector<Mac> macs = read_macs(*macs_arg);
    const store::Write mode = write_mode(macs.size());
    for (const Mac& mac : macs) {
      bool removed = false;
      store::update_record<Device>(*ctx.store, mac.str(), [&](std::optional<Device>& d) {
        if (!d) return store::Write::none;
        d.reset();
        removed = true;
        return mode;
      });
      if (!removed) {
        missing.push_back(mac.str());
        continue;
      }
      journal(ctx, {{"command", "remove"}, {"mac", mac.str()}}, mode == store::Write::relaxed);
      if (ctx.json)
        print_json({{"mac", mac.str()}, {"result", "removed"}});
      else
        std::cout << mac.str() << " removed\n";
    }
    if (mode == store::Write::relaxed) ctx.store->sync();
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      throw Error(Exit::no_device, "no such device: " + list);
    }
    return 0;
  };
}

}  // namespace provlock::cli
