// provlock list [--state S] [--account A] [--json]
//
// Built for a million devices: the rows come from the store's listing
// snapshots (store/listing.hpp), are sorted by index, and are printed
// without building a JSON object or a table of strings per device.
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

// The table's columns: fields of device_fields.
constexpr std::array<const char*, 7> kColumns = {"mac",       "state", "account", "bound_ip",
                                                 "last_seen", "until", "label"};

// Every cell holds something, so the columns split on white space.
std::string_view cell(const DeviceField& f, std::string& scratch) {
  switch (f.type) {
    case DeviceField::Type::null:
      return "-";
    case DeviceField::Type::text:
      return f.text.empty() ? std::string_view("-") : std::string_view(f.text);
    case DeviceField::Type::count:
      scratch = std::to_string(f.count);
      return scratch;
  }
  return "-";
}

// Output gathered in large pieces: one write per 64 KiB, not per line.
class Out {
 public:
  std::string& buffer() { return buffer_; }
  void line_done() {
    buffer_ += '\n';
    if (buffer_.size() >= (1 << 16)) flush();
  }
  void flush() {
    std::cout.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  std::string buffer_;
};
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
    store::scan_device_rows(
        *ctx.store,
        [&](Device&& d) {
          if (opt->account_given && d.account != opt->account) return;
          if (!opt->state.empty() &&
              opt->state != state_name(state_of(d, unlock_alls, ctx.config, ctx.now)))
            return;
          devices.push_back(std::move(d));
        },
        [&](const Error& e) {
          ++bad;
          std::cerr << "provlock: " << e.what() << '\n';
        });
    // Sorted by MAC through (MAC, index) pairs: a million devices are not
    // moved, and the pairs sort in cache.
    std::vector<std::pair<std::uint64_t, std::size_t>> by_mac(devices.size());
    for (std::size_t i = 0; i < devices.size(); ++i) by_mac[i] = {devices[i].mac.value, i};
    std::sort(by_mac.begin(), by_mac.end());

    Out out;
    if (ctx.json) {
      for (const auto& [mac, i] : by_mac) {
        append_json(out.buffer(), device_fields(devices[i], unlock_alls, ctx));
        out.line_done();
      }
    } else {
      // Which field each column shows.
      std::array<std::size_t, kColumns.size()> field_of{};
      const DeviceFields sample = device_fields(Device{}, unlock_alls, ctx);
      for (std::size_t c = 0; c < kColumns.size(); ++c)
        for (std::size_t f = 0; f < sample.size(); ++f)
          if (std::string_view(sample[f].name) == kColumns[c]) field_of[c] = f;
      // Two passes over the devices, the first for the column widths: no
      // table of a million rows of strings is ever held.
      std::array<std::size_t, kColumns.size()> width{};
      for (std::size_t c = 0; c < kColumns.size(); ++c)
        width[c] = std::string_view(kColumns[c]).size();
      std::string scratch;
      for (const Device& d : devices) {
        const DeviceFields fields = device_fields(d, unlock_alls, ctx);
        for (std::size_t c = 0; c < kColumns.size(); ++c)
          width[c] = std::max(width[c], cell(fields[field_of[c]], scratch).size());
      }
      auto print_row = [&](auto&& cell_text) {
        std::string& line = out.buffer();
        const std::size_t start = line.size();
        for (std::size_t c = 0; c < kColumns.size(); ++c) {
          const std::string_view text = cell_text(c);
          line += text;
          if (c + 1 < kColumns.size()) line.append(width[c] - text.size() + 2, ' ');
        }
        while (line.size() > start && line.back() == ' ') line.pop_back();
        out.line_done();
      };
      print_row([&](std::size_t c) {
        scratch = kColumns[c];
        std::transform(scratch.begin(), scratch.end(), scratch.begin(), ::toupper);
        return std::string_view(scratch);
      });
      for (const auto& [mac, i] : by_mac) {
        const DeviceFields fields = device_fields(devices[i], unlock_alls, ctx);
        print_row([&](std::size_t c) { return cell(fields[field_of[c]], scratch); });
      }
    }
    out.flush();
    // Unreadable records were named on stderr; the listing is incomplete.
    return bad ? static_cast<int>(Exit::io) : 0;
  };
}

}  // namespace provlock::cli
