#include "ops/config_request.hpp"

#include "lib/bans.hpp"
#include "lib/vendor.hpp"
#include "ops/check.hpp"
#include "ops/self_unban.hpp"
#include "store/records_io.hpp"

namespace provlock::ops {
namespace {

const char* const kNotFound = "not-found: no such file";

ConfigAnswer line(int status, std::string text) {
  ConfigAnswer out;
  out.status = status;
  out.line = std::move(text);
  return out;
}

std::optional<AddressRecord> load_address(Session& s, const Ip& ip) {
  return store::load_record<AddressRecord>(*s.store, store::address_key(ban_key(ip, s.config)));
}

// The device a request's identity names, if it names one: its certificate's
// MAC, or a REMOTE_USER that spells a MAC. The identity a self-unban accepts
// (ops::self_unban).
std::optional<Mac> identity_mac(const ConfigRequest& req) {
  if (req.identity.certificate) return req.identity.certificate;
  if (req.identity.user) return try_parse_mac(*req.identity.user);
  return std::nullopt;
}

// The 403 line for a banned address, or nullopt when it is not banned. It
// offers the self-unban URL only when the address could use it (SPEC §5):
// a range or group ban and an operator's ban (`ban add IP`) say that only
// the operator can lift them; a spent or turned-off self-unban, and an
// address that is not known (with no device's identity), say to ask the
// operator.
std::optional<std::string> ban_line(Session& s, const ConfigRequest& req,
                                    const std::optional<AddressRecord>& address) {
  const Ip& ip = req.remote_addr;
  const StoreRules rules = load_rules(s);
  const IpBan ban = ip_ban(ip, address, rules.range_bans, s.now);
  if (const RangeBan* range = ban.range) {
    if (range->is_group())
      return "banned: " + ip.str() + " is in the banned group " + range->prefix.str() + " until " +
             format_time(range->until) + " (" + std::to_string(range->group_members) +
             " of its prefixes were banned at once); only the operator can lift it";
    return "banned: " + ip.str() + " is in the banned range " + range->prefix.str() + " until " +
           format_time(range->until) + "; only the operator can lift it";
  }
  if (!ban.address) return std::nullopt;
  const AddressRecord& banned = *ban.address;
  std::string who = ip.str();
  if (banned.prefix.length != ip.bits()) who += " (" + banned.prefix.str() + ")";
  const std::string line =
      "banned: " + who + " is banned until " + format_time(*banned.banned_until);
  std::optional<SelfUnbanBar> bar = self_unban_bar(banned, s.config, s.now, false);
  // Only an address that is not known needs the identity, and the device
  // read it takes.
  if (bar == SelfUnbanBar::unknown_address && is_device_identity(s, identity_mac(req)))
    bar = self_unban_bar(banned, s.config, s.now, true);
  switch (bar.value_or(SelfUnbanBar::not_banned)) {
    case SelfUnbanBar::operator_ban:
      return line + " by the operator; only the operator can lift it";
    case SelfUnbanBar::turned_off:
    case SelfUnbanBar::unknown_address:
    case SelfUnbanBar::over_limit:
      return line + "; ask the operator to lift it";
    case SelfUnbanBar::not_banned:  // not barred: the self-unban is open to it
      break;
  }
  return line + "; POST " + req.base + s.config.cgi.unban_path + " from that address to lift it";
}

// The 403 line of a denial: its token, then what it means to the phone's
// owner.
std::string deny_line(Reason reason) {
  const std::string t = token(reason);
  switch (reason) {
    case Reason::unknown_device:
      return t + ": no device with this MAC address is registered";
    case Reason::auth_mismatch:
      return t + ": these credentials are not this device's";
    case Reason::blocked:
      return t + ": this device is on a security hold; ask the operator";
    case Reason::stale_registration:
      return t + ": this device was registered too long ago to provision; ask the operator";
    case Reason::locked:
      return t + ": this device is locked to the address it was provisioned from";
    case Reason::mac_mismatch:
      return t + ": the path and the User-Agent do not name the same MAC address";
    default:
      return t;
  }
}

// Journals a request refused before any decision and counts it against
// its address as a denial for `reason` (no-mac, mac-mismatch or
// unknown-device: scans; banned: a registered device's request from a
// banned address). `banned`: the address was banned before it, which is
// then the reason journaled.
void record_refusal(Session& s, const ConfigRequest& req, store::Json entry, bool banned,
                    Reason reason) {
  entry["ip"] = req.remote_addr.str();
  entry["decision"] = "deny";
  if (banned) entry["reason"] = token(Reason::banned);
  journal(s, entry);
  count_against_address(s, req.remote_addr, false, reason);
}

// A request that names no device, or two different ones, is denied,
// journaled, and counted against its address like a denied fetch. Returns
// the 403 line when the address was banned before it.
std::optional<std::string> refuse(Session& s, const ConfigRequest& req, store::Json entry,
                                  Reason reason) {
  // Whether the address was banned before this request decides the answer.
  std::optional<std::string> banned = ban_line(s, req, load_address(s, req.remote_addr));
  record_refusal(s, req, std::move(entry), banned.has_value(), reason);
  return banned;
}

// A device's file that does not exist (SPEC §7): 404 before any decision,
// so it binds nothing, uses up no unlock and changes no device record. A
// banned address still gets its 403 (the ban is step 1 of the decision, and
// a 404 would tell a banned scanner which names exist). A request naming a
// MAC that is not registered is a scan: journaled and counted against the
// address. A registered device asking for an optional file it has not got
// (Polycom asks for several at each boot) is neither: it is no attempt.
ConfigAnswer missing_file(Session& s, const ConfigRequest& req, const Mac& mac) {
  const std::optional<std::string> banned = ban_line(s, req, load_address(s, req.remote_addr));
  const bool registered = store::load_record<Device>(*s.store, mac.str()).has_value();
  if (banned || !registered)
    record_refusal(s, req,
                   {{"command", "check"},
                    {"mac", mac.str()},
                    {"reason", token(Reason::unknown_device)},  // "banned" when it was
                    {"path", req.path},
                    {"file", "missing"}},
                   banned.has_value(), registered ? Reason::banned : Reason::unknown_device);
  return banned ? line(403, *banned) : line(404, kNotFound);
}

}  // namespace

ConfigAnswer answer_config_request(Session& s, const ConfigRequest& req,
                                   const std::function<bool()>& open_file) {
  const Config::Cgi& cgi = s.config.cgi;
  const RequestMac named = request_mac(req.path, req.file_name, req.user_agent, cgi.mac_patterns);
  if (named.mismatch) {
    store::Json entry = {
        {"command", "check"}, {"reason", token(Reason::mac_mismatch)}, {"path", req.path}};
    if (named.path_mac) entry["mac"] = named.path_mac->str();
    if (named.agent_mac) entry["ua_mac"] = named.agent_mac->str();
    auto banned = refuse(s, req, std::move(entry), Reason::mac_mismatch);
    return line(403, banned ? *banned : deny_line(Reason::mac_mismatch));
  }
  // A verified certificate is a phone's identity, so one naming another
  // phone than the request's is that phone asking for a file not its own:
  // refused like a path and User-Agent that disagree, before the file is
  // opened, and never a decision (which would call it auth-mismatch).
  if (named.mac && req.identity.certificate && *req.identity.certificate != *named.mac) {
    auto banned = refuse(s, req,
                         {{"command", "check"},
                          {"mac", named.mac->str()},
                          {"certificate", req.identity.certificate->str()},
                          {"reason", token(Reason::mac_mismatch)},
                          {"path", req.path}},
                         Reason::mac_mismatch);
    return line(403, banned ? *banned
                            : std::string(token(Reason::mac_mismatch)) +
                                  ": the client certificate names another device");
  }
  if (!named.mac) {
    auto banned = refuse(
        s, req, {{"command", "check"}, {"reason", token(Reason::no_mac)}, {"path", req.path}},
        Reason::no_mac);
    return banned ? line(403, *banned) : line(404, kNotFound);
  }

  // The file is opened before the decision and the open file is what is
  // served: no decision is spent on a file that is not there, and none can
  // be taken for one file and another served.
  if (!open_file()) return missing_file(s, req, *named.mac);

  const Fetch fetch{*named.mac, req.remote_addr, req.identity};
  const FetchResult result = judge_fetch(s, fetch, false);
  if (result.store_error) {
    ConfigAnswer out = line(503, kStoreErrorLine);
    out.store_error = result.store_error;
    return out;
  }
  if (result.reason == "banned") {
    std::optional<std::string> banned;
    try {
      banned = ban_line(s, req, load_address(s, req.remote_addr));
    } catch (const Error&) {
      // The ban stands; only its details cannot be told.
    }
    return line(403, banned ? *banned : "banned: " + req.remote_addr.str() + " is banned");
  }
  if (!result.allow) return line(403, deny_line(result.reason));
  ConfigAnswer out;
  out.serve_file = true;
  return out;
}

ConfigAnswer answer_self_unban(Session& s, const ConfigRequest& req) {
  const std::string ip = req.remote_addr.str();
  const SelfUnbanResult result = self_unban(s, req.remote_addr, identity_mac(req));
  switch (result.outcome) {
    case SelfUnban::removed:
      return line(200, "unbanned: " + ip + " may fetch again");
    case SelfUnban::not_banned:
      return line(200, "not banned: " + ip + " is not banned");
    case SelfUnban::over_limit:
      return line(403, "over limit: " + self_unban_refusal(result, req.remote_addr, s.config));
    case SelfUnban::operator_ban:
    case SelfUnban::range_ban:
    case SelfUnban::turned_off:
    case SelfUnban::unknown_address:
      return line(403, "not permitted: " + self_unban_refusal(result, req.remote_addr, s.config));
  }
  return line(500, "internal-error");  // not reached: every outcome is answered above
}

}  // namespace provlock::ops
