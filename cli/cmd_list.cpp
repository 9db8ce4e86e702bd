// provlock list [--state S] [--account A] [--json]
//
// Built for a million devices: the rows come from the store's listing
// snapshots (store/listing.hpp), are sorted by index, and are printed
// without building a JSON object or a table of strings per device.
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/device_table.hpp"
#include "cli/print_lines.hpp"
#include "store/file_store.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

namespace {
struct ListOptions {
  std::string state;
  std::string account;
  bool account_given = false;
};

// Devices kept in blocks that never move once made: a million devices are
// read in without moving each again and again as one vector grows (which
// cost list more than reading them).
class DeviceBlocks {
 public:
  void push_back(Device&& d) {
    if (size_ % kBlock == 0) {
      blocks_.emplace_back();
      blocks_.back().reserve(kBlock);
    }
    blocks_.back().push_back(std::move(d));
    ++size_;
  }
  std::size_t size() const { return size_; }
  const Device& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }

 private:
  static constexpr std::size_t kBlock = 4096;
  std::vector<std::vector<Device>> blocks_;
  std::size_t size_ = 0;
};

// The devices to list, and the order they are printed in.
struct Listing {
  UnlockAllSet unlock_alls;
  DeviceBlocks devices;
  // (MAC, index) pairs sorted by MAC: a million devices are not moved, and
  // the pairs sort in cache.
  std::vector<std::pair<std::uint64_t, std::size_t>> by_mac;
  int unreadable = 0;  // records that could not be read (reported)

  // The k-th device in order.
  const Device& operator[](std::size_t k) const { return devices[by_mac[k].second]; }
};

// The devices the options select, sorted by MAC; unreadable records are
// reported and counted.
Listing read_listing(Context& ctx, const ListOptions& opt) {
  Listing l;
  l.unlock_alls = load_rules(ctx).unlock_alls;
  // A file store reads one snapshot a folder instead of every record.
  if (auto* files = dynamic_cast<store::FileStore*>(ctx.store.get()))
    files->use_listing_snapshots(true);
  store::scan_records<Device>(
      *ctx.store,
      [&](Device&& d) {
        if (opt.account_given && d.account != opt.account) return;
        if (!opt.state.empty() &&
            opt.state != state_name(state_of(d, l.unlock_alls, ctx.config, ctx.now)))
          return;
        l.devices.push_back(std::move(d));
      },
      [&](const Error& e) {
        ++l.unreadable;
        ctx.report(e);
      });
  l.by_mac.resize(l.devices.size());
  for (std::size_t i = 0; i < l.devices.size(); ++i) l.by_mac[i] = {l.devices[i].mac.value, i};
  std::sort(l.by_mac.begin(), l.by_mac.end());
  return l;
}

// `list --json`: one object a line.
void print_json_lines(const Listing& l, const Context& ctx) {
  print_lines(l.by_mac.size(), [&](std::size_t k, std::string& out) {
    append_json(out, device_fields(l[k], l.unlock_alls, ctx));
    out += '\n';
  });
}

// `list`: the table (device_table.hpp).
void print_table(const Listing& l, const Context& ctx) {
  DeviceTable table(l.unlock_alls, ctx);
  table.fit(l.devices.size(), [&](std::size_t i) -> const Device& { return l.devices[i]; });
  std::string header;
  table.header(header);
  std::cout << header;
  print_lines(l.by_mac.size(), [&](std::size_t k, std::string& out) { table.row(l[k], out); });
}

int run_list(Context& ctx, const ListOptions& opt) {
  const Listing listing = read_listing(ctx, opt);
  if (ctx.json)
    print_json_lines(listing, ctx);
  else
    print_table(listing, ctx);
  std::cout.flush();
  // Unreadable records were named on stderr; the listing is incomplete.
  return listing.unreadable ? static_cast<int>(Exit::io) : 0;
}
}  // namespace

Runner setup_list(CLI::App& sub) {
  auto opt = std::make_shared<ListOptions>();
  sub.add_option("--state", opt->state, "Only devices in this state")
      ->check(CLI::IsMember({"new", "locked", "stale", "unlocked", "blocked"}));
  sub.add_option("--account", opt->account, "Only devices of this account");
  return [opt, &sub](Context& ctx) {
    opt->account_given = sub.count("--account") > 0;
    return run_list(ctx, *opt);
  };
}

}  // namespace provlock::cli
