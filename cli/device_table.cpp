#include "cli/device_table.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "cli/print_lines.hpp"

namespace provlock::cli {
namespace {

// The columns: fields of device_fields.
constexpr std::array<const char*, DeviceTable::kColumns> kNames = {
    "mac", "state", "account", "bound_ip", "last_seen", "until", "label"};

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

}  // namespace

DeviceTable::DeviceTable(const UnlockAllSet& unlock_alls, const Context& ctx)
    : unlock_alls_(unlock_alls), ctx_(ctx) {
  const DeviceFields sample = device_fields(Device{}, unlock_alls_, ctx_);
  for (std::size_t c = 0; c < kColumns; ++c) {
    for (std::size_t f = 0; f < sample.size(); ++f)
      if (std::string_view(sample[f].name) == kNames[c]) field_of_[c] = f;
    width_[c] = std::string_view(kNames[c]).size();
  }
}

void DeviceTable::fit(std::size_t count, const std::function<const Device&(std::size_t i)>& at) {
  using Widths = std::array<std::size_t, kColumns>;
  Widths halves[2] = {};
  in_two(count, [&](std::size_t from, std::size_t to) {
    Widths& w = halves[from == 0 ? 0 : 1];
    std::string scratch;
    for (std::size_t i = from; i < to; ++i) {
      const DeviceFields fields = device_fields(at(i), unlock_alls_, ctx_);
      for (std::size_t c = 0; c < kColumns; ++c)
        w[c] = std::max(w[c], cell(fields[field_of_[c]], scratch).size());
    }
  });
  for (const Widths& w : halves)
    for (std::size_t c = 0; c < kColumns; ++c) width_[c] = std::max(width_[c], w[c]);
}

template <typename CellText>
void DeviceTable::line(std::string& out, CellText&& cell_text) const {
  const std::size_t start = out.size();
  for (std::size_t c = 0; c < kColumns; ++c) {
    const std::string_view text = cell_text(c);
    out += text;
    if (c + 1 < kColumns) out.append(width_[c] - text.size() + 2, ' ');
  }
  while (out.size() > start && out.back() == ' ') out.pop_back();
  out += '\n';
}

void DeviceTable::header(std::string& out) const {
  line(out, [](std::size_t c) {
    static thread_local std::string name;
    name = kNames[c];
    std::transform(name.begin(), name.end(), name.begin(), ::toupper);
    return std::string_view(name);
  });
}

void DeviceTable::row(const Device& d, std::string& out) const {
  const DeviceFields fields = device_fields(d, unlock_alls_, ctx_);
  std::string scratch;
  line(out, [&](std::size_t c) { return cell(fields[field_of_[c]], scratch); });
}

}  // namespace provlock::cli
