// Opening an etcd store, shared by provlock (over etcd's JSON gateway, for a
// plain-text store of IP addresses) and provlock-etcd (over gRPC, for any).
#pragma once

#include <memory>
#include <string>

#include "lib/config.hpp"
#include "store/etcd/etcd_client.hpp"
#include "store/store.hpp"

namespace provlock::cli {

// The etcd client's options from config's [store] for the store at `url`,
// its endpoints taken from the URL. Error(Exit::config) for a URL that is
// not one, or a certificate without its key (or the reverse).
store::etcd::ClientOptions etcd_options(const std::string& url, const Config& config);

// The store at `url`, reached through `transport`; its journal in
// config's journal.dir.
std::unique_ptr<store::Store> open_etcd(const std::string& url, const Config& config,
                                        const store::etcd::TransportFactory& transport);

}  // namespace provlock::cli
