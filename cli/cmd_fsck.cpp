// provlock fsck [--repair]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/store_backend.hpp"
#include "store/file_store.hpp"
#include "store/fsck.hpp"

namespace provlock::cli {

namespace {
void print_finding(const store::FsckFinding& f, bool json) {
  if (json) {
    print_json({{"finding", store::finding_name(f.kind)},
                {"path", f.path},
                {"why", f.why},
                {"repaired", f.repaired},
                {"repair", f.repair}});
    return;
  }
  // A path is a name found in the store, which anyone who can write there
  // chose.
  std::cout << store::finding_name(f.kind) << ": " << printable(f.path) << ": " << printable(f.why);
  if (!f.repair.empty()) std::cout << " (" << printable(f.repair) << ")";
  std::cout << '\n';
}

int run_fsck(Context& ctx, bool repair) {
  auto report = [&](const store::FsckFinding& f) { print_finding(f, ctx.json); };
  auto* files = dynamic_cast<store::FileStore*>(ctx.store.get());
  store::FsckSummary s = files ? store::fsck(files->root_path(), repair, ctx.now, report)
                               : fsck_etcd(*ctx.store, repair, ctx.now, report);
  if (ctx.json)
    print_json({{"records", s.records}, {"findings", s.findings}, {"unrepaired", s.unrepaired}});
  else
    std::cout << "fsck: " << s.records << " sound records, " << s.findings << " findings, "
              << s.unrepaired << " left as they are\n";
  if (repair && s.findings > s.unrepaired)
    journal(ctx, {{"command", "fsck"}, {"repaired", s.findings - s.unrepaired}});
  return s.unrepaired ? static_cast<int>(Exit::io) : 0;
}
}  // namespace

Runner setup_fsck(CLI::App& sub) {
  auto repair = std::make_shared<bool>(false);
  sub.add_flag("--repair", *repair,
               "Move bad records and links to quarantine/, remove debris of unfinished writes");
  return [repair](Context& ctx) { return run_fsck(ctx, *repair); };
}

}  // namespace provlock::cli
