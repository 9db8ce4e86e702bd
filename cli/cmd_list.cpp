// provlock list [--state S] [--account A] [--json]
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

namespace {
struct ListOptions {
  std::string state;
  std::string account;
  bool account_given = false;
};

std::string cell(const View& v) {
  // Every cell holds something, so the columns split on white space.
  if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) return "-";
  return v.is_string() ? v.get<std::string>() : v.dump();
}
}  // namespace

Runner setup_list(CLI::App& sub) {
  auto opt = std::make_shared<ListOptions>();
  sub.add_option("--state", opt->state, "Only devices in this state")
      ->check(CLI::IsMember({"new", "locked", "stale", "unlocked", "blocked"}));
  sub.add_option("--account", opt->account, "Only devices of this account");
  return [opt, &sub](Context& ctx) {
    opt->account_given = sub.count("--account") > 0;
    const UnlockAllSet unlock_alls = load_rules(ctx).unlock_alls;
    std::vector<Device> devices;
    int bad = 0;
    store::scan_records<Device>(
        *ctx.store,
        [&](const Device& d) {
          if (opt->account_given && d.account != opt->account) return;
          if (!opt->state.empty() &&
              opt->state != state_name(state_of(d, unlock_alls, ctx.config, ctx.now)))
            return;
          devices.push_back(d);
        },
        [&](const Error& e) {
          ++bad;
          std::cerr << "provlock: " << e.what() << '\n';
        });
    std::sort(devices.begin(), devices.end(),
              [](const Device& a, const Device& b) { return a.mac < b.mac; });

    if (ctx.json) {
      for (const Device& d : devices) print_json(device_view(d, unlock_alls, ctx));
    } else {
      const std::vector<std::string> columns = {"mac",       "state", "account", "bound_ip",
                                                "last_seen", "until", "label"};
      std::vector<std::vector<std::string>> rows;
      for (const Device& d : devices) {
        View v = device_view(d, unlock_alls, ctx);
        std::vector<std::string> row;
        for (const auto& c : columns) row.push_back(cell(v[c]));
        rows.push_back(std::move(row));
      }
      std::vector<std::size_t> width(columns.size());
      for (std::size_t i = 0; i < columns.size(); ++i) {
        width[i] = columns[i].size();
        for (const auto& r : rows) width[i] = std::max(width[i], r[i].size());
      }
      auto print_row = [&](const std::vector<std::string>& r) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
          line += r[i];
          if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        std::cout << line << '\n';
      };
      std::vector<std::string> header;
      for (const auto& c : columns) {
        std::string h = c;
        std::transform(h.begin(), h.end(), h.begin(), ::toupper);
        header.push_back(h);
      }
      print_row(header);
      for (const auto& r : rows) print_row(r);
    }
    // Unreadable records were named on stderr; the listing is incomplete.
    return bad ? static_cast<int>(Exit::io) : 0;
  };
}

}  // namespace provlock::cli
