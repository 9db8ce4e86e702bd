// provlock remove MAC...
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "ops/devices.hpp"

namespace provlock::cli {

Runner setup_remove(CLI::App& sub) {
  auto macs_arg = std::make_shared<std::vector<std::string>>();
  sub.add_option("MAC", *macs_arg, "MAC addresses; - reads them from stdin, one a line")->required();
  return [macs_arg](Context& ctx) {
    const std::vector<std::string> missing = ops::remove_devices(
        ctx, read_macs(*macs_arg),
        [&](const std::string& mac) {
          if (ctx.json)
            print_json({{"mac", mac}, {"result", "removed"}});
          else
            std::cout << mac << " removed\n";
        },
        [](const Error& e) { throw e; });
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      throw Error(Exit::no_device, "no such device: " + list);
    }
    return 0;
  };
}

}  // namespace provlock::cli
