#include "cli/fetch.hpp"

#include "lib/bans.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {

namespace {

using store::Write;

// A write that changes who may fetch is flushed to stable storage before the
// answer is given; bookkeeping is written without any flush (Write::
// bookkeeping), unless store.durability = "full" (provlock(1), DURABILITY).
Write how_to_write(bool changes_who_may_fetch, const Config& cfg) {
  return changes_who_may_fetch || cfg.store.sync_bookkeeping ? Write::durable
                                                             : Write::bookkeeping;
}

void decide_and_write(Context& ctx, const Fetch& fetch, bool dry_run, FetchResult& out) {
  const Prefix key = ban_key(fetch.ip, ctx.config);
  auto address = store::load_record<AddressRecord>(*ctx.store, store::address_key(key));
  StoreRules rules = load_rules(ctx);
  const bool banned =
      (address && address->banned_at(ctx.now)) || rules.range_bans.find(fetch.ip, ctx.now);
  out.unlock_alls = std::move(rules.unlock_alls);

  FetchRecords records;
  records.ip_banned = banned;
  records.unlock_alls = &out.unlock_alls;
  std::optional<Window> window;
  Decision decision;
  if (!banned) window = store::load_record<Window>(*ctx.store, store::window_key(fetch.ip));
  records.window = window ? &*window : nullptr;

  // The journal line goes first, under the device's lock: if it cannot be
  // written, neither is the record, so a fetch answered "store-error"
  // changes nothing (the line of a fetch whose record write then fails
  // stays; provlock(1), JOURNAL).
  auto write_journal = [&] {
    journal(ctx,
            {{"command", "check"},
             {"mac", fetch.mac.str()},
             {"ip", fetch.ip.str()},
             {"decision", decision.allow ? "allow" : "deny"},
             {"reason", decision.reason}},
            how_to_write(decision.binding_changed, ctx.config) == Write::bookkeeping);
  };
  if (dry_run) {
    auto device = store::load_record<Device>(*ctx.store, fetch.mac.str());
    records.device = device ? &*device : nullptr;
    decision = decide(fetch, records, ctx.config, ctx.now);
  } else {
    store::update_record<Device>(*ctx.store, fetch.mac.str(), [&](std::optional<Device>& d) {
      records.device = d ? &*d : nullptr;
      decision = decide(fetch, records, ctx.config, ctx.now);
      write_journal();
      if (!decision.device) return Write::none;
      d = decision.device;
      return how_to_write(decision.binding_changed, ctx.config);
    });
  }
  out.allow = decision.allow;
  out.reason = decision.reason;
  out.device = decision.device;
  if (dry_run) return;

  out.newly_banned = count_against_address(ctx, fetch.ip, !decision.allow);
}

}  // namespace

bool count_against_address(Context& ctx, const Ip& ip, bool denied) {
  if (!fetch_counts(ip, denied, ctx.config)) return false;
  const Prefix key = ban_key(ip, ctx.config);
  std::optional<UnixTime> ban_until;
  store::update_record<AddressRecord>(
      *ctx.store, store::address_key(key), [&](std::optional<AddressRecord>& a) {
        if (!a) {
          a = AddressRecord{};
          a->prefix = key;
        }
        if (count_fetch(*a, ctx.config, ctx.now)) ban_until = a->banned_until;
        return how_to_write(ban_until.has_value(), ctx.config);
      });
  if (ban_until)
    journal(ctx, {{"command", "ban"},
                  {"ip", key.str()},
                  {"reason", "auto"},
                  {"until", format_time(*ban_until)}});
  return ban_until.has_value();
}

FetchResult judge_fetch(Context& ctx, const Fetch& fetch, bool dry_run) {
  FetchResult out;
  try {
    decide_and_write(ctx, fetch, dry_run, out);
  } catch (const Error& e) {
    out = FetchResult{};
    out.reason = "store-error";
    out.store_error = e;
  }
  return out;
}

std::string decision_line(const FetchResult& r) {
  return std::string(r.allow ? "allow " : "deny ") + r.reason;
}

View decision_view(const FetchResult& r, const Fetch& fetch, const Context& ctx) {
  View v = {{"decision", r.allow ? "allow" : "deny"},
            {"reason", r.reason},
            {"mac", fetch.mac.str()},
            {"ip", fetch.ip.str()},
            {"state", nullptr},
            {"bound_ip", nullptr}};
  if (r.device) {
    View d = device_view(*r.device, r.unlock_alls, ctx);
    v["state"] = d["state"];
    v["bound_ip"] = d["bound_ip"];
    v["until"] = d["until"];
  } else if (r.reason == "unknown-device") {
    v["state"] = "unknown";
  }
  if (r.newly_banned) v["banned"] = true;
  return v;
}

}  // namespace provlock::cli
