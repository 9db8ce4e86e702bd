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

namespace {

// A JSON string as nlohmann's dump() writes it (UTF-8 kept as it is): the
// two-letter escapes where JSON has one, \u00xx (lowercase) for the other
// control characters. The text comes from records nlohmann parsed, so it is
// valid UTF-8.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the characters not yet appended
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s, run, s.size() - run);
  out += '"';
}

}  // namespace

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
