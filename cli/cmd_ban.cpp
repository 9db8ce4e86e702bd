// provlock ban list | add IP|CIDR [--for DUR] | remove IP|CIDR | remove --self
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/duration.hpp"
#include "ops/ban.hpp"
#include "ops/self_unban.hpp"

namespace provlock::cli {

namespace {
struct BanOptions {
  std::string target;
  std::string duration;
  bool self = false;
};

View ban_view(const ops::BanInForce& b) {
  View v = {{"ip", b.prefix.str()},
            {"since", format_time(b.since)},
            {"until", format_time(b.until)},
            {"reason", b.reason},
            {"times_banned", b.times_banned}};
  if (b.group_members > 0) v["members"] = b.group_members;
  return v;
}

int run_ban_add(Context& ctx, const BanOptions& opt) {
  const ops::BanTarget t = ops::ban_target(opt.target, ctx.config);
  const std::int64_t length =
      opt.duration.empty() ? ctx.config.ban.max_ban_time : parse_duration(opt.duration);
  const UnixTime until =
      end_of(ctx.now, length, Exit::usage,
             opt.duration.empty() ? "ban.max_ban_time " + format_duration(length)
                                  : "ban add --for " + provlock::quoted(opt.duration));
  ops::add_ban(ctx, t, until);
  if (ctx.json)
    print_json({{"ip", t.prefix.str()}, {"until", format_time(until)}});
  else
    std::cout << t.prefix.str() << " banned until " << format_time(until) << '\n';
  return 0;
}

// `ban remove --self`: a CGI request lifts the ban of its own REMOTE_ADDR.
int run_self_unban(Context& ctx, const BanOptions& opt) {
  if (!opt.target.empty())
    throw Error(Exit::usage, "ban remove --self takes no address: it is always REMOTE_ADDR");
  const char* gateway = std::getenv("GATEWAY_INTERFACE");
  const char* remote = std::getenv("REMOTE_ADDR");
  if (!gateway || !remote || !*remote)
    throw Error(Exit::no_perm,
                "ban remove --self works only within a CGI request (no GATEWAY_INTERFACE "
                "and REMOTE_ADDR); operators use 'ban remove IP'");
  const Ip ip = parse_ip(remote);
  ctx.who = {{"remote_addr", ip.str()}};
  auto say = [&](const char* result, const char* text) {
    if (ctx.json)
      print_json({{"ip", ip.str()}, {"result", result}});
    else
      std::cout << ip.str() << text << '\n';
    return 0;
  };
  // A REMOTE_USER that is a MAC is that device's identity, if it is registered.
  const char* user = std::getenv("REMOTE_USER");
  const ops::SelfUnbanResult result = ops::self_unban(ctx, ip, try_parse_mac(user ? user : ""));
  switch (result.outcome) {
    case ops::SelfUnban::removed:
      return say("unbanned", " unbanned");
    case ops::SelfUnban::not_banned:
      return say("not-banned", " is not banned");
    case ops::SelfUnban::operator_ban:
    case ops::SelfUnban::range_ban:
    case ops::SelfUnban::turned_off:
    case ops::SelfUnban::unknown_address:
    case ops::SelfUnban::over_limit:
      break;
  }
  throw Error(Exit::no_perm, ops::self_unban_refusal(result, ip, ctx.config));
}

int run_ban_remove(Context& ctx, const BanOptions& opt) {
  if (opt.self) return run_self_unban(ctx, opt);
  if (opt.target.empty()) throw Error(Exit::usage, "ban remove needs an address, or --self");
  const ops::BanTarget t = ops::ban_target(opt.target, ctx.config);
  const bool lifted = ops::remove_ban(ctx, t);
  if (ctx.json)
    print_json({{"ip", t.prefix.str()}, {"result", lifted ? "unbanned" : "not-banned"}});
  else
    std::cout << t.prefix.str() << (lifted ? " unbanned" : " was not banned") << '\n';
  return 0;
}

int run_ban_list(Context& ctx) {
  int bad = 0;
  std::vector<View> rows;
  for (const ops::BanInForce& b : ops::bans_in_force(ctx, [&](const Error& e) {
         ++bad;
         ctx.report(e);
       }))
    rows.push_back(ban_view(b));
  for (const View& v : rows) {
    if (ctx.json) {
      print_json(v);
      continue;
    }
    std::cout << v["ip"].get<std::string>() << "  since " << v["since"].get<std::string>()
              << "  until " << v["until"].get<std::string>() << "  "
              << printable(v["reason"].get_ref<const std::string&>()) << "  banned "
              << v["times_banned"].dump() << "x";
    // A group ban: how many of its prefixes were banned at once.
    if (v.contains("members")) std::cout << "  members " << v["members"].dump();
    std::cout << '\n';
  }
  return bad ? static_cast<int>(Exit::io) : 0;
}
}  // namespace

Runner setup_ban(CLI::App& sub) {
  auto opt = std::make_shared<BanOptions>();
  sub.require_subcommand(1, 1);
  CLI::App* list = sub.add_subcommand("list", "List the bans in force");
  CLI::App* add = sub.add_subcommand("add", "Ban an address or range");
  add->add_option("IP", opt->target, "An address (IPv6: its /64) or a CIDR range")->required();
  add->add_option("--for", opt->duration, "How long (default ban.max_ban_time, 1w)")
      ->type_name("DUR");
  CLI::App* remove = sub.add_subcommand("remove", "Lift a ban");
  remove->add_option("IP", opt->target, "The address or range");
  remove->add_flag("--self", opt->self,
                   "Lift the ban of this CGI request's own REMOTE_ADDR (CGI requests only)");

  return [opt, list, add, remove](Context& ctx) {
    if (add->parsed()) return run_ban_add(ctx, *opt);
    if (remove->parsed()) return run_ban_remove(ctx, *opt);
    (void)list;
    return run_ban_list(ctx);
  };
}

}  // namespace provlock::cli
