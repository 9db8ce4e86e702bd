#include "ops/check.hpp"

#include "lib/bans.hpp"
#include "ops/window.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {

namespace {

using store::Write;

// A write that changes who may fetch is flushed to stable storage before the
// answer is given; bookkeeping is written without any flush (Write::
// bookkeeping), unless store.durability = "full" (provlock(1), DURABILITY).
Write how_to_write(bool changes_who_may_fetch, const Config& cfg) {
  return changes_who_may_fetch || cfg.store.sync_bookkeeping ? Write::durable : Write::bookkeeping;
}

void decide_and_write(Session& s, const Fetch& fetch, bool dry_run, FetchResult& out) {
  const Prefix key = ban_key(fetch.ip, s.config);
  auto address = store::load_record<AddressRecord>(*s.store, store::address_key(key));
  StoreRules rules = load_rules(s);
  const bool banned = static_cast<bool>(ip_ban(fetch.ip, address, rules.range_bans, s.now));
  out.unlock_alls = std::move(rules.unlock_alls);

  FetchRecords records;
  records.ip_banned = banned;
  records.unlock_alls = &out.unlock_alls;
  std::vector<Window> windows;
  Decision decision;
  if (!banned) windows = windows_covering(s, fetch.ip);
  records.windows = windows;

  // The journal line goes first, under the device's lock: if it cannot be
  // written, neither is the record, so a fetch answered "store-error"
  // changes nothing (the line of a fetch whose record write then fails
  // stays; provlock(1), JOURNAL).
  auto write_journal = [&] {
    store::Json entry = {{"command", "check"},
                         {"mac", fetch.mac.str()},
                         {"ip", fetch.ip.str()},
                         {"decision", decision.allow ? "allow" : "deny"},
                         {"reason", token(decision.reason)}};
    // Who the server said was asking: an auth-mismatch names the credential
    // that was tried.
    if (fetch.identity.user) entry["user"] = *fetch.identity.user;
    if (fetch.identity.certificate) entry["certificate"] = fetch.identity.certificate->str();
    journal(s, entry, how_to_write(decision.binding_changed, s.config) == Write::bookkeeping);
  };
  if (dry_run) {
    auto device = store::load_record<Device>(*s.store, fetch.mac.str());
    records.device = device ? &*device : nullptr;
    decision = decide(fetch, records, s.config, s.now);
  } else {
    store::update_record<Device>(*s.store, fetch.mac.str(), [&](std::optional<Device>& d) {
      records.device = d ? &*d : nullptr;
      decision = decide(fetch, records, s.config, s.now);
      write_journal();
      if (!decision.device) return Write::none;
      d = decision.device;
      return how_to_write(decision.binding_changed, s.config);
    });
  }
  out.allow = decision.allow;
  out.reason = decision.reason;
  out.device = decision.device;
  if (dry_run) return;

  // A banned fetch is counted as what it asked for: a registered device's
  // (no scan), or a MAC nobody registered (a scan).
  const Reason counted_as = decision.reason == Reason::banned && !decision.device
                                ? Reason::unknown_device
                                : decision.reason;
  // The address record was read above: an allowed fetch whose trace is
  // fresh (the usual same-ip poll) takes no lock and writes nothing here.
  const bool trace = decision.allow && allowed_trace_due(address, s.now);
  out.newly_banned = count_against_address(s, fetch.ip, decision.allow, counted_as, trace);
}

}  // namespace

bool count_against_address(Session& s, const Ip& ip, bool allowed, Reason reason,
                           bool trace_allowed) {
  const bool counts = fetch_counts(ip, allowed, reason, s.config);
  // An address on ban.ignore is never banned automatically, so it never
  // needs to be known for a self-unban either.
  const bool trace = trace_allowed && !ban_ignored(ip, s.config);
  if (!counts && !trace) return false;
  const Prefix key = ban_key(ip, s.config);
  std::optional<UnixTime> ban_until;
  auto count = [&](std::optional<AddressRecord>& a) {
    const bool fresh = !a;
    if (fresh) {
      a = AddressRecord{};
      a->prefix = key;
    }
    bool changed = fresh;
    if (trace) changed = provlock::note_allowed(*a, s.now) || changed;
    if (counts) {
      changed = true;
      if (count_fetch(*a, s.config, s.now)) ban_until = a->banned_until;
    }
    if (!changed) return store::Write::none;
    return how_to_write(ban_until.has_value(), s.config);
  };
  store::update_record<AddressRecord>(*s.store, store::address_key(key), count);
  if (!ban_until) return false;
  journal(s, {{"command", "ban"},
              {"ip", key.str()},
              {"reason", "auto"},
              {"until", format_time(*ban_until)}});
  if (ban_group(key, s.config)) {
    std::optional<RangeBan> group;
    store::update_rules(*s.store, [&](StoreRules& r) {
      group = note_member_ban(r.range_bans, key, *ban_until, s.config, s.now);
      return store::Write::durable;
    });
    if (group)
      journal(s, {{"command", "ban"},
                  {"ip", group->prefix.str()},
                  {"reason", "group"},
                  {"members", group->group_members},
                  {"until", format_time(group->until)}});
  }
  return true;
}

FetchResult judge_fetch(Session& s, const Fetch& fetch, bool dry_run) {
  FetchResult out;
  try {
    // One decision on one view of its records (Store::begin_decision): on a
    // store that checks at the end whether they changed meanwhile, it is
    // taken again on the records as they now are, at most kDecisionTries
    // times. (FileStore's change every record under its lock instead, and
    // the loop runs once.)
    const std::vector<store::Store::RecordName> reads = {
        {store::Kind::device, fetch.mac.str()},
        {store::Kind::ban, store::address_key(ban_key(fetch.ip, s.config))},
        {store::Kind::meta, store::kRulesKey}};
    for (int tries = 1;; ++tries) {
      s.store->begin_decision(reads, {store::Kind::window});
      try {
        decide_and_write(s, fetch, dry_run, out);
      } catch (...) {
        s.store->abandon_decision();
        throw;
      }
      if (dry_run) {
        s.store->abandon_decision();
        break;
      }
      if (s.store->commit_decision()) break;
      if (tries == kDecisionTries)
        throw Error(Exit::temp_fail, "the records of " + fetch.mac.str() + " from " +
                                         fetch.ip.str() + " kept changing while " +
                                         std::to_string(kDecisionTries) +
                                         " decisions on them were taken; try again");
      out = FetchResult{};
    }
  } catch (const Error& e) {
    out = FetchResult{};
    out.reason = Reason::store_error;
    out.store_error = e;
  }
  return out;
}

}  // namespace provlock::ops
