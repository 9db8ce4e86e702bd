// provlock list [--state S] [--account A] [--json]
//
// Built for a million devices: the rows come from the store's listing
// snapshots (store/listing.hpp), are sorted by index, and are printed
// without building a JSON object or a table of strings per device.
#include <algorithm>
#include <exception>
#include <functional>
#include <iostream>
#include <system_error>
#include <thread>

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

// Every cell holds something, and a device is one line: control characters
// of accounts and labels (tabs, newlines) show escaped, as \x09, as
// printable() escapes them. Most cells are plain ASCII and are shown as
// they are without a copy (a million devices).
std::string_view cell(const DeviceField& f, std::string& scratch) {
  switch (f.type) {
    case DeviceField::Type::null:
      return "-";
    case DeviceField::Type::text:
      if (f.text.empty()) return "-";
      if (std::any_of(f.text.begin(), f.text.end(), [](char c) {
            const auto b = static_cast<unsigned char>(c);
            return b < 0x20 || b >= 0x7f;
          })) {
        scratch = printable(f.text);
        return scratch;
      }
      return f.text;
    case DeviceField::Type::count:
      scratch = std::to_string(f.count);
      return scratch;
  }
  return "-";
}

// Calls work(begin, end) for [0, n) in two halves at once, one on another
// thread (formatting is most of the time of listing a million devices, and
// the machine has two cores or more); in this thread alone if no thread can
// be started. Exceptions of either half reach the caller.
void in_two(std::size_t n, const std::function<void(std::size_t, std::size_t)>& work) {
  const std::size_t half = n / 2;
  std::exception_ptr failed;
  std::thread other;
  if (half > 0) {
    try {
      other = std::thread([&] {
        try {
          work(half, n);
        } catch (...) {
          failed = std::current_exception();
        }
      });
    } catch (const std::system_error&) {
    }
  }
  work(0, other.joinable() ? half : n);
  if (other.joinable()) other.join();
  if (failed) std::rethrow_exception(failed);
}

// Writes the lines that render(i, text) appends for i in [0, n), in order,
// in blocks that two threads render at once.
void print_lines(std::size_t n, const std::function<void(std::size_t, std::string&)>& render) {
  constexpr std::size_t kBlock = 4096;
  std::string text[2];
  for (std::size_t begin = 0; begin < n; begin += 2 * kBlock) {
    const std::size_t count = std::min(n - begin, 2 * kBlock);
    in_two(count, [&](std::size_t from, std::size_t to) {
      std::string& out = text[from == 0 ? 0 : 1];
      out.clear();
      for (std::size_t i = from; i < to; ++i) render(begin + i, out);
    });
    for (const std::string& t : text)
      std::cout.write(t.data(), static_cast<std::streamsize>(t.size()));
    text[1].clear();
  }
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
          ctx.report(e);
        });
    // Sorted by MAC through (MAC, index) pairs: a million devices are not
    // moved, and the pairs sort in cache.
    std::vector<std::pair<std::uint64_t, std::size_t>> by_mac(devices.size());
    for (std::size_t i = 0; i < devices.size(); ++i) by_mac[i] = {devices[i].mac.value, i};
    std::sort(by_mac.begin(), by_mac.end());

    if (ctx.json) {
      print_lines(by_mac.size(), [&](std::size_t k, std::string& out) {
        append_json(out, device_fields(devices[by_mac[k].second], unlock_alls, ctx));
        out += '\n';
      });
    } else {
      // Which field each column shows.
      std::array<std::size_t, kColumns.size()> field_of{};
      const DeviceFields sample = device_fields(Device{}, unlock_alls, ctx);
      for (std::size_t c = 0; c < kColumns.size(); ++c)
        for (std::size_t f = 0; f < sample.size(); ++f)
          if (std::string_view(sample[f].name) == kColumns[c]) field_of[c] = f;
      // Two passes over the devices, the first for the column widths: no
      // table of a million rows of strings is ever held.
      using Widths = std::array<std::size_t, kColumns.size()>;
      Widths width{}, halves[2] = {};
      for (std::size_t c = 0; c < kColumns.size(); ++c)
        width[c] = std::string_view(kColumns[c]).size();
      in_two(devices.size(), [&](std::size_t from, std::size_t to) {
        Widths& w = halves[from == 0 ? 0 : 1];
        std::string scratch;
        for (std::size_t i = from; i < to; ++i) {
          const DeviceFields fields = device_fields(devices[i], unlock_alls, ctx);
          for (std::size_t c = 0; c < kColumns.size(); ++c)
            w[c] = std::max(w[c], cell(fields[field_of[c]], scratch).size());
        }
      });
      for (const Widths& w : halves)
        for (std::size_t c = 0; c < kColumns.size(); ++c) width[c] = std::max(width[c], w[c]);
      auto print_row = [&](std::string& line, auto&& cell_text) {
        const std::size_t start = line.size();
        for (std::size_t c = 0; c < kColumns.size(); ++c) {
          const std::string_view text = cell_text(c);
          line += text;
          if (c + 1 < kColumns.size()) line.append(width[c] - text.size() + 2, ' ');
        }
        while (line.size() > start && line.back() == ' ') line.pop_back();
        line += '\n';
      };
      std::string header;
      print_row(header, [&](std::size_t c) {
        static thread_local std::string name;
        name = kColumns[c];
        std::transform(name.begin(), name.end(), name.begin(), ::toupper);
        return std::string_view(name);
      });
      std::cout << header;
      print_lines(by_mac.size(), [&](std::size_t k, std::string& out) {
        const DeviceFields fields = device_fields(devices[by_mac[k].second], unlock_alls, ctx);
        std::string scratch;
        print_row(out, [&](std::size_t c) { return cell(fields[field_of[c]], scratch); });
      });
    }
    std::cout.flush();
    // Unreadable records were named on stderr; the listing is incomplete.
    return bad ? static_cast<int>(Exit::io) : 0;
  };
}

}  // namespace provlock::cli
