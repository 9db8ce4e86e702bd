// The table `list` prints: a header line, then one row a device, in the
// columns MAC STATE ACCOUNT BOUND_IP LAST_SEEN UNTIL LABEL, each as wide as
// its widest cell. Built for a million devices: no table of strings is
// ever held; the widths are found in one pass, the rows made in another.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "cli/common.hpp"

namespace provlock::cli {

class DeviceTable {
 public:
  static constexpr std::size_t kColumns = 7;

  // The table of devices as of ctx.now. Keeps references to both.
  DeviceTable(const UnlockAllSet& unlock_alls, const Context& ctx);

  // Widens the columns to hold every cell of `count` devices, the i-th being
  // at(i) (two threads at once: `at` must be safe to call so).
  void fit(std::size_t count, const std::function<const Device&(std::size_t i)>& at);

  // Appends the header line.
  void header(std::string& out) const;

  // Appends the row of a device. Safe to call from several threads at once.
  void row(const Device& d, std::string& out) const;

 private:
  template <typename CellText>
  void line(std::string& out, CellText&& cell_text) const;

  const UnlockAllSet& unlock_alls_;
  const Context& ctx_;
  std::array<std::size_t, kColumns> field_of_{};  // the field each column shows
  std::array<std::size_t, kColumns> width_{};
};

}  // namespace provlock::cli
