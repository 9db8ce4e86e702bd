// provlock check MAC IP [--user NAME | --authenticated] [--dry-run] [--json]
// provlock check --batch: "MAC IP [authenticated | user=NAME]" lines in, one
// answer a line
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/fetch.hpp"
#include "lib/json_text.hpp"

namespace provlock::cli {

namespace {
struct CheckOptions {
  std::string mac;
  std::string ip;
  std::string user;
  bool authenticated = false;
  bool dry_run = false;
  bool batch = false;
};

void answer(const FetchResult& r, const Fetch& fetch, const Context& ctx) {
  if (ctx.json)
    print_json(decision_view(r, fetch, ctx));
  else
    std::cout << decision_line(r) << '\n';
}

int exit_code(const FetchResult& r) {
  if (!r.store_error) return r.allow ? 0 : 1;
  // 75: try again; 78: the store refused this server's credentials (an
  // etcd store), for the operator to mend; 74: anything else.
  const Exit code = r.store_error->code();
  return static_cast<int>(code == Exit::temp_fail || code == Exit::config ? code : Exit::io);
}

// The identity of `--user NAME` (the web server's REMOTE_USER): "" is none,
// as a server without authentication passes it.
Identity identity_of_user(const std::string& user) {
  Identity id;
  if (user.empty()) return id;
  if (!usable_user_name(user))
    throw Error(Exit::data, "invalid --user " + provlock::quoted(user, true) +
                                ": not a user name (" + std::string(kUserNameRule) + ")");
  id.user = user;
  return id;
}

// One request line of --batch: "MAC IP", "MAC IP authenticated" or
// "MAC IP user=NAME" (a NAME without blanks).
std::optional<Fetch> parse_request(const std::string& line) {
  std::istringstream in(line);
  std::string mac, ip, flag, extra;
  if (!(in >> mac >> ip)) return std::nullopt;
  in >> flag >> extra;
  if (!extra.empty()) return std::nullopt;
  auto m = try_parse_mac(mac);
  auto a = try_parse_ip(ip);
  if (!m || !a) return std::nullopt;
  Fetch fetch{*m, *a, {}};
  if (flag == "authenticated") {
    fetch.identity.promised = true;
  } else if (flag.starts_with("user=") && flag.size() > 5 && usable_user_name(flag.substr(5))) {
    fetch.identity.user = flag.substr(5);
  } else if (!flag.empty()) {
    return std::nullopt;
  }
  return fetch;
}

// Answers requests until end of input, in order, flushing after each, so that
// it can serve as an Apache "RewriteMap prg:" program. A line that does not
// parse is answered "deny bad-input"; a store failure "deny store-error".
int run_batch(Context& ctx, bool dry_run) {
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    if (!ctx.now_fixed) ctx.now = clock_now();
    std::optional<Fetch> fetch = line.size() <= 512 ? parse_request(line) : std::nullopt;
    if (!fetch) {
      std::cout << "deny bad-input" << std::endl;
      continue;
    }
    FetchResult r = judge_fetch(ctx, *fetch, dry_run);
    if (r.store_error) {
      ctx.report(*r.store_error);
      status = exit_code(r);
    }
    answer(r, *fetch, ctx);
    std::cout.flush();
  }
  return status;
}
}  // namespace

Runner setup_check(CLI::App& sub) {
  auto opt = std::make_shared<CheckOptions>();
  CLI::Option* mac = sub.add_option("MAC", opt->mac, "The device asking for its configuration");
  CLI::Option* ip = sub.add_option("IP", opt->ip, "The address it asks from");
  CLI::Option* user = sub.add_option(
      "--user", opt->user, "The user name the web server verified (REMOTE_USER); \"\" is none");
  sub.add_flag("--authenticated", opt->authenticated,
               "The caller verified the device's own credentials")
      ->excludes(user);
  sub.add_flag("--dry-run", opt->dry_run, "Decide, but write nothing");
  sub.add_flag("--batch", opt->batch,
               "Read 'MAC IP [authenticated|user=NAME]' lines from stdin, answer each in turn");
  return [opt, mac, ip, user](Context& ctx) {
    if (opt->batch) {
      if (mac->count() || opt->authenticated || user->count())
        throw Error(Exit::usage, "check --batch reads its requests from stdin, not from arguments");
      return run_batch(ctx, opt->dry_run);
    }
    // An empty MAC or IP given is bad data (65, from the parsers below); only
    // a missing one is a usage error.
    if (!mac->count() || !ip->count())
      throw Error(Exit::usage, "check needs a MAC and an IP (or --batch)");
    // Bad input is refused before the store is touched; it is never an allow.
    Fetch fetch{parse_mac(opt->mac), parse_ip(opt->ip), identity_of_user(opt->user)};
    fetch.identity.promised = opt->authenticated;
    FetchResult r = judge_fetch(ctx, fetch, opt->dry_run);
    answer(r, fetch, ctx);
    if (r.store_error) ctx.report(*r.store_error);
    return exit_code(r);
  };
}

}  // namespace provlock::cli
