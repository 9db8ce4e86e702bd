// provlock show MAC [--json]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

Runner setup_show(CLI::App& sub) {
  auto mac_arg = std::make_shared<std::string>();
  sub.add_option("MAC", *mac_arg, "The device")->required();
  return [mac_arg](Context& ctx) {
    const Mac mac = parse_mac(*mac_arg);
    auto d = store::load_record<Device>(*ctx.store, mac.str());
    if (!d) throw Error(Exit::no_device, "no such device: " + mac.str());
    View view = device_view(*d, load_rules(ctx).unlock_alls, ctx);
    if (ctx.json) {
      print_json(view);
      return 0;
    }
    // One line a field, whatever an account or label holds: a label must
    // not print a line of its own (a forged "state: unlocked").
    for (const auto& [key, value] : view.items()) {
      std::string text = value.is_string() ? printable(value.get_ref<const std::string&>())
                         : value.is_null() ? "-"
                                           : value.dump();
      std::cout << key << ": " << text << '\n';
    }
    return 0;
  };
}

}  // namespace provlock::cli
