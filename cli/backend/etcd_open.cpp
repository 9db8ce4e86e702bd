// Opening an etcd store, and fsck of one: in provlock and provlock-etcd
// alike (cli/backend/etcd_open.hpp).
#include "cli/backend/etcd_open.hpp"

#include <chrono>

#include "cli/store_backend.hpp"
#include "lib/error.hpp"
#include "store/etcd/etcd_store.hpp"

namespace provlock::cli {

store::etcd::ClientOptions etcd_options(const std::string& url, const Config& config) {
  store::etcd::ClientOptions options;
  options.endpoints = store::etcd::parse_etcd_url(url).endpoints;
  options.timeout = std::chrono::milliseconds(config.store.timeout_ms);
  options.retries = config.store.retries;
  if (!config.store.ca.empty()) options.ca = config.store.ca;
  if (!config.store.cert.empty()) options.cert = config.store.cert;
  if (!config.store.key.empty()) options.key = config.store.key;
  // Without its key a certificate is never sent, and the handshake that
  // etcd then refuses looks like no answer (75) every time.
  if (options.cert.has_value() != options.key.has_value())
    throw Error(Exit::config, std::string("store.") + (options.cert ? "cert" : "key") +
                                  " is set without store." + (options.cert ? "key" : "cert") +
                                  ": a client certificate needs both");
  return options;
}

std::unique_ptr<store::Store> open_etcd(const std::string& url, const Config& config,
                                        const store::etcd::TransportFactory& transport) {
  const std::string journal =
      config.journal.dir.empty() ? std::string(kDefaultStorePath) + "/journal" : config.journal.dir;
  return std::make_unique<store::EtcdStore>(url, etcd_options(url, config), journal,
                                            std::chrono::milliseconds(config.store.lock_timeout_ms),
                                            transport);
}

store::FsckSummary fsck_etcd(store::Store& any, bool repair, UnixTime now,
                             const std::function<void(const store::FsckFinding&)>& report) {
  auto& etcd = dynamic_cast<store::EtcdStore&>(any);
  store::FsckSummary summary;
  using Finding = store::FsckFinding;
  auto found = [&](Finding f) {
    ++summary.findings;
    if (!f.repaired) ++summary.unrepaired;
    report(f);
  };
  // The error's message less the record's name, which the finding names
  // already: "unreadable record NAME: why" becomes "unreadable record: why"
  // (as fsck of a directory store words it).
  auto why_of = [](const Error& e, const std::string& where) {
    std::string why = e.what();
    if (auto pos = why.find(" " + where); pos != std::string::npos)
      why.erase(pos, where.size() + 1);
    else if (why.starts_with(where + ": "))
      why.erase(0, where.size() + 2);
    return why;
  };
  for (store::Kind kind :
       {store::Kind::device, store::Kind::ban, store::Kind::window, store::Kind::meta}) {
    std::vector<std::pair<std::string, std::string>> bad;  // etcd key, why
    etcd.scan(
        kind,
        [&](const std::string& key, std::string_view text, const std::string& where) {
          try {
            store::decode_record_of(kind, store::parse_record(std::string(text), where), key,
                                    where);
            ++summary.records;
          } catch (const Error& e) {
            bad.emplace_back(etcd.etcd_key(kind, key), why_of(e, where));
          }
        },
        // A key no record may have: scan_foreign below reports it.
        [](const Error&) {});
    for (auto& [key, why] : bad) {
      Finding f{Finding::Kind::bad_record, "etcd:" + key, why, false, ""};
      if (repair) {
        const std::string to = etcd.quarantine(key, now);
        if (!to.empty()) {
          f.repaired = true;
          f.repair = "moved to etcd:" + to;
          if (kind == store::Kind::meta) f.repair += store::kRulesQuarantined;
        }
      }
      found(std::move(f));
    }
  }
  etcd.scan_foreign([&](const std::string& key) {
    found(Finding{Finding::Kind::stray, "etcd:" + key, "is not a record's key", false, ""});
  });
  // The local journal (journal.dir).
  etcd.scan_journal(
      0, [](const store::Json&) {},
      [&](const Error& e) {
        found(Finding{Finding::Kind::bad_journal, etcd.journal_dir(), e.what(), false, ""});
      });
  return summary;
}

}  // namespace provlock::cli
