// provlock log [MAC|IP] [--since TIME] [--json]
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "lib/ip.hpp"

namespace provlock::cli {

namespace {
struct LogOptions {
  std::string subject;
  std::string since;
};

std::string text_of(const store::Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// One line an entry: time, command, then the remaining fields as key=value.
// Entries hold outside text (accounts, labels, user names, request paths,
// and whatever a hand-edited journal holds, keys included): the line is
// escaped as a whole, so that an entry never prints as two lines or sends
// a terminal an escape sequence.
std::string format_entry(const store::Json& e) {
  std::string line = text_of(e.value("time", store::Json("-"))) + "  " +
                     text_of(e.value("command", store::Json("-")));
  for (const char* key : {"mac", "ip", "decision", "reason"})
    if (e.contains(key)) line += "  " + text_of(e[key]);
  for (const auto& [key, value] : e.items()) {
    if (key == "time" || key == "command" || key == "mac" || key == "ip" || key == "decision" ||
        key == "reason" || key == "who")
      continue;
    line += "  " + key + "=" + text_of(value);
  }
  if (e.contains("who")) {
    const store::Json& who = e["who"];
    if (who.contains("remote_addr"))
      line += "  by " + text_of(who["remote_addr"]);
    else if (who.contains("user"))
      line += "  by " + text_of(who["user"]);
  }
  return printable(line);
}

int run_log(Context& ctx, const LogOptions& opt) {
  std::optional<std::string> mac;
  std::optional<Ip> ip;
  if (!opt.subject.empty()) {
    if (auto m = try_parse_mac(opt.subject))
      mac = m->str();
    else if (auto a = try_parse_ip(opt.subject))
      ip = a;
    else
      throw Error(Exit::data,
                  provlock::quoted(opt.subject) + " is neither a MAC nor an IP address");
  }
  const UnixTime since = opt.since.empty() ? 0 : parse_time(opt.since);
  // A store shared by several servers keeps a journal on each: say that
  // this is one server's (on stderr, so that stdout stays the entries).
  if (std::string host = ctx.store->journal_host(); !host.empty())
    std::cerr << "provlock: log: the journal of this server (" << printable(host)
              << ") only; each server of an etcd store keeps its own\n";
  int bad = 0;
  ctx.store->scan_journal(
      since,
      [&](const store::Json& e) {
        if (mac && e.value("mac", "") != *mac) return;
        // Ban entries name a prefix ("2001:db8::/64"): match what contains the IP.
        if (ip) {
          try {
            if (!parse_prefix(e.value("ip", "")).contains(*ip)) return;
          } catch (const Error&) {
            return;
          }
        }
        if (!opt.since.empty()) {
          try {
            if (parse_time(e.value("time", "")) < since) return;
          } catch (const Error&) {
            return;
          }
        }
        // The journal's lines were parsed, so they are UTF-8; replace
        // keeps --json from ever stopping at one that is not.
        if (ctx.json)
          std::cout << e.dump(-1, ' ', false, store::Json::error_handler_t::replace) << '\n';
        else
          std::cout << format_entry(e) << '\n';
      },
      [&](const Error& err) {
        ++bad;
        ctx.report(err);
      });
  return bad ? static_cast<int>(Exit::io) : 0;
}
}  // namespace

Runner setup_log(CLI::App& sub) {
  auto opt = std::make_shared<LogOptions>();
  sub.add_option("SUBJECT", opt->subject, "Only entries of this MAC or IP");
  sub.add_option("--since", opt->since, "Only entries from this time on (default: all kept)")
      ->type_name("TIME");
  return [opt](Context& ctx) { return run_log(ctx, *opt); };
}

}  // namespace provlock::cli
