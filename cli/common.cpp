#include "cli/common.hpp"

#include <iostream>
#include <set>

#include "lib/error.hpp"
#include "lib/json_text.hpp"
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

void require_text(const std::string& value, const char* option) {
  if (!is_utf8(value))
    throw Error(Exit::data, std::string("invalid ") + option + " " + provlock::quoted(value, true) +
                                ": not UTF-8 text");
}

std::string scope_name(const AccountScope& scope) {
  if (!scope) return "all accounts";
  if (scope->empty()) return "no account";
  return "account " + printable(*scope);
}

View scope_view(const AccountScope& scope) {
  return scope ? View(*scope) : View(nullptr);
}

DeviceFields device_fields(const Device& d, const UnlockAllSet& unlock_alls, const Context& ctx) {
  using Type = DeviceField::Type;
  auto text = [](const char* name, std::string value) {
    return DeviceField{name, Type::text, std::move(value), 0};
  };
  auto count = [](const char* name, std::uint64_t value) {
    return DeviceField{name, Type::count, {}, value};
  };
  auto null = [](const char* name) { return DeviceField{name, Type::null, {}, 0}; };
  auto time_or_null = [&](const char* name, const std::optional<UnixTime>& t) {
    return t ? text(name, format_time(*t)) : null(name);
  };
  auto ip_or_null = [&](const char* name, const std::optional<Ip>& ip) {
    return ip ? text(name, ip->str()) : null(name);
  };
  const auto unlock = active_unlock(d, unlock_alls, ctx.now);
  return {
      text("mac", d.mac.str()),
      text("state", state_name(state_of(d, unlock_alls, ctx.config, ctx.now))),
      text("account", d.account),
      text("label", d.label),
      text("user", d.user),
      ip_or_null("bound_ip", d.bound_ip),
      time_or_null("last_seen", d.last_seen),
      ip_or_null("last_ip", d.last_ip),
      time_or_null("until", unlock ? unlock->until : std::nullopt),
      unlock ? text("unlock", unlock->explicit_unlock ? "unlock" : "unlock-all") : null("unlock"),
      text("registered", format_time(d.registered)),
      time_or_null("first_provisioned", d.first_provisioned),
      time_or_null("blocked_at", d.blocked_at),
      count("allowed", d.allowed),
      count("denied", d.denied)};
}

View device_view(const Device& d, const UnlockAllSet& unlock_alls, const Context& ctx) {
  View v = View::object();
  for (DeviceField& f : device_fields(d, unlock_alls, ctx)) {
    switch (f.type) {
      case DeviceField::Type::null:
        v[f.name] = nullptr;
        break;
      case DeviceField::Type::text:
        v[f.name] = std::move(f.text);
        break;
      case DeviceField::Type::count:
        v[f.name] = f.count;
        break;
    }
  }
  return v;
}

void append_json(std::string& out, const DeviceFields& fields) {
  char sep = '{';
  for (const DeviceField& f : fields) {
    out += sep;
    sep = ',';
    // The names are ours and need no escapes.
    out += '"';
    out += f.name;
    out += "\":";
    switch (f.type) {
      case DeviceField::Type::null:
        out += "null";
        break;
      case DeviceField::Type::text:
        append_json_string(out, f.text);
        break;
      case DeviceField::Type::count:
        out += std::to_string(f.count);
        break;
    }
  }
  out += '}';
}

void print_json(const View& j) {
  // Text read from outside the records (a file name in the store) may not be
  // UTF-8: it prints as U+FFFD rather than ending the command.
  std::cout << j.dump(-1, ' ', false, View::error_handler_t::replace) << '\n';
}

}  // namespace provlock::cli
