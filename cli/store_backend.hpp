// Which program opens an etcd store. provlock itself does not link the etcd
// client (gRPC would double the start-up of every `check` on a directory
// store): given an etcd:// store it replaces itself with provlock-etcd, the
// same commands linked with it, started with the same arguments and
// environment before anything was read or written. The two executables
// differ only in which of cli/backend/*.cpp defines these.
#pragma once

#include <memory>
#include <string>

#include "lib/config.hpp"
#include "store/fsck.hpp"
#include "store/store.hpp"

namespace provlock::cli {

// The command line as main was given it, for the exec.
void remember_arguments(int argc, char** argv);

// The store at `url` (etcd://...), configured by `config`: in provlock-etcd,
// the store; in provlock, never returns (it execs provlock-etcd, or throws
// Error(Exit::config) naming the program it could not start). `again`: the
// process opened a store before (a long-running front whose config
// changed); provlock then throws Error(Exit::config) instead of an exec in
// the middle of its work, and the front keeps its last good config.
std::unique_ptr<store::Store> open_etcd_store(const std::string& url, const Config& config,
                                              bool again);

// fsck of an etcd store (opened by open_etcd_store): every record decoded,
// keys that are no record's reported; with `repair`, bad records moved to
// PREFIX/quarantine/. The local journal's lines are checked too.
store::FsckSummary fsck_etcd(store::Store& store, bool repair, UnixTime now,
                             const std::function<void(const store::FsckFinding&)>& report);

// Called with a command's exit code once it is done, its context still
// alive: returns it (provlock), or writes out what the command printed and
// ends the process at once (provlock-etcd), without closing the etcd
// client first: gRPC joins its threads as it shuts down, which took up to
// 16 ms after a one-shot check had its answer, and whoever reads the
// answer waits for the process to end. (Not in a sanitized build, whose
// leak check runs at exit.)
int command_done(int code);

// Whether `location` (--store, PROVLOCK_STORE or the config's store) names
// an etcd store.
inline bool is_etcd_url(const std::string& location) {
  return location.starts_with("etcd://");
}

}  // namespace provlock::cli
