#include "cli/common.hpp"

#include <iostream>
#include <set>

#include "lib/error.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::vector<Mac> read_macs(const std::vector<std::string>& args) {
  std::vector<Mac> out;
  std::set<Mac> seen;
  auto keep = [&](const Mac& m) {
    if (seen.insert(m).second) out.push_back(m);
  };
  bool stdin_read = false;
  for (const std::string& arg : args) {
    if (arg != "-") {
      keep(parse_mac(arg));
      continue;
    }
    if (stdin_read) continue;
    stdin_read = true;
    std::string line;
    for (std::size_t n = 1; std::getline(std::cin, line); ++n) {
      std::string text = trim(line);
      if (text.empty() || text[0] == '#') continue;
      try {
        keep(parse_mac(text));
      } catch (const Error& e) {
        throw Error(e.code(), std::string("stdin line ") + std::to_string(n) + ": " + e.what());
      }
    }
  }
  return out;
}

StoreRules load_rules(Context& ctx) {
  auto rules = store::load_record<StoreRules>(*ctx.store, store::kRulesKey);
  return rules ? *rules : StoreRules{};
}

View device_view(const Device& d, const UnlockAllSet& unlock_alls, const Context& ctx) {
  using Json = View;
  auto time_or_null = [](const std::optional<UnixTime>& t) {
    return t ? Json(format_time(*t)) : Json(nullptr);
  };
  auto unlock = active_unlock(d, unlock_alls, ctx.now);
  Json until = nullptr;
  if (unlock && unlock->until) until = format_time(*unlock->until);
  return Json{
      {"mac", d.mac.str()},
      {"state", state_name(state_of(d, unlock_alls, ctx.config, ctx.now))},
      {"account", d.account},
      {"label", d.label},
      {"bound_ip", d.bound_ip ? Json(d.bound_ip->str()) : Json(nullptr)},
      {"last_seen", time_or_null(d.last_seen)},
      {"last_ip", d.last_ip ? Json(d.last_ip->str()) : Json(nullptr)},
      {"until", until},
      {"unlock", unlock ? Json(unlock->explicit_unlock ? "unlock" : "unlock-all") : Json(nullptr)},
      {"registered", format_time(d.registered)},
      {"first_provisioned", time_or_null(d.first_provisioned)},
      {"blocked_at", time_or_null(d.blocked_at)},
      {"allowed", d.allowed},
      {"denied", d.denied}};
}

void journal(Context& ctx, store::Json entry, bool relaxed) {
  store::Json line = {{"time", format_time(ctx.now)}};
  line.update(entry);
  if (ctx.who.is_null()) ctx.who = who_am_i();
  line["who"] = ctx.who;
  ctx.store->append_journal(ctx.now, line,
                            relaxed ? store::Durability::relaxed : store::Durability::durable);
}

void print_json(const View& j) {
  std::cout << j.dump() << '\n';
}

}  // namespace provlock::cli
