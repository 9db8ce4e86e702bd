// provlock cgi: the CGI/1.1 front (SPEC §7). One request in, one whole
// response out, whatever happens: every failure becomes a status line and a
// one-line text body, and the details go to stderr (the server's error log).
#include <iostream>
#include <string_view>

#include "cli/cgi_files.hpp"
#include "cli/cgi_request.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/fetch.hpp"
#include "lib/bans.hpp"
#include "lib/vendor.hpp"
#include "ops/self_unban.hpp"
#include "store/records_io.hpp"

namespace provlock::cli {
namespace {

// What a client learns of store trouble; the details go to the error log.
const char* const kStoreErrorLine = "store-error: the device store is unavailable; try again later";

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

// The response, written once. Nothing is sent before the status is known;
// once headers are out no second response can follow.
class Reply {
 public:
  void set_head(bool head) { head_ = head; }
  bool started() const { return started_; }

  // A status with a one-line plain-text body.
  void line(int status, const std::string& text, const std::string& extra_headers = "") {
    const std::string body = text + "\n";
    headers(status, "text/plain; charset=utf-8", body.size(), extra_headers);
    if (!head_) write_out(body);
  }

  void file(ServedFile& f, const std::string& type) {
    headers(200, type, f.size, "");
    if (!head_) send_body(f);
  }

 private:
  void headers(int status, const std::string& type, std::uint64_t length,
               const std::string& extra) {
    started_ = true;
    // Provisioning files carry credentials: no cache may keep them.
    write_out("Status: " + std::to_string(status) + " " + status_text(status) +
              "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(length) +
              "\r\nCache-Control: no-store\r\n" + extra + "\r\n");
  }

  bool head_ = false;
  bool started_ = false;
};

// The error log and the bodies get one line of ASCII whatever the client
// sent: control bytes and bytes >= 0x80 are escaped ("\xff"), as messages
// that quote outside input already are (quoted()); escaping again changes
// nothing.
std::string ascii(std::string_view text) {
  return printable(text, true);
}

void log_error(const std::string& message) {
  std::cerr << "provlock: " << ascii(message) << std::endl;
}

std::optional<AddressRecord> load_address(Context& ctx, const Ip& ip) {
  return store::load_record<AddressRecord>(*ctx.store, store::address_key(ban_key(ip, ctx.config)));
}

// The 403 line for a banned address, or nullopt when it is not banned. It
// offers the self-unban URL only when the address could use it (SPEC §5):
// a range ban (`ban add CIDR`) and an operator's ban (`ban add IP`) say
// that only the operator can lift them; a spent or turned-off self-unban
// says to ask the operator.
std::optional<std::string> ban_line(Context& ctx, const CgiRequest& req,
                                    const std::optional<AddressRecord>& address) {
  const Ip& ip = req.remote_addr;
  const StoreRules rules = load_rules(ctx);
  if (const RangeBan* range = rules.range_bans.find(ip, ctx.now))
    return "banned: " + ip.str() + " is in the banned range " + range->prefix.str() + " until " +
           format_time(range->until) + "; only the operator can lift it";
  if (!address || !address->banned_at(ctx.now)) return std::nullopt;
  std::string who = ip.str();
  if (address->prefix.length != ip.bits()) who += " (" + address->prefix.str() + ")";
  const std::string line =
      "banned: " + who + " is banned until " + format_time(*address->banned_until);
  switch (self_unban_bar(*address, ctx.config, ctx.now).value_or(SelfUnbanBar::not_banned)) {
    case SelfUnbanBar::operator_ban:
      return line + " by the operator; only the operator can lift it";
    case SelfUnbanBar::turned_off:
    case SelfUnbanBar::over_limit:
      return line + "; ask the operator to lift it";
    case SelfUnbanBar::not_banned:  // not barred: the self-unban is open to it
      break;
  }
  return line + "; POST " + req.base + ctx.config.cgi.unban_path + " from that address to lift it";
}

std::string deny_line(const std::string& reason) {
  if (reason == "unknown-device") return reason + ": no device with this MAC address is registered";
  if (reason == "blocked") return reason + ": this device is on a security hold; ask the operator";
  if (reason == "stale-registration")
    return reason + ": this device was registered too long ago to provision; ask the operator";
  if (reason == "locked")
    return reason + ": this device is locked to the address it was provisioned from";
  if (reason == "mac-mismatch")
    return reason + ": the path and the User-Agent do not name the same MAC address";
  return reason;
}

// Journals a request refused before any decision and counts it against
// its address like a denied fetch. `banned`: the address was banned before
// it, which is then the reason journaled.
void record_refusal(Context& ctx, const CgiRequest& req, store::Json entry, bool banned) {
  entry["ip"] = req.remote_addr.str();
  entry["decision"] = "deny";
  if (banned) entry["reason"] = "banned";
  journal(ctx, entry);
  count_against_address(ctx, req.remote_addr, true);
}

// A request that names no device, or two different ones, is denied,
// journaled, and counted against its address like a denied fetch. Returns
// the 403 line when the address was banned before it.
std::optional<std::string> refuse(Context& ctx, const CgiRequest& req, store::Json entry) {
  // Whether the address was banned before this request decides the answer.
  std::optional<std::string> banned = ban_line(ctx, req, load_address(ctx, req.remote_addr));
  record_refusal(ctx, req, std::move(entry), banned.has_value());
  return banned;
}

void serve_file(Context& ctx, const CgiRequest& req, Reply& reply) {
  auto file = open_beneath(ctx.config.cgi.root, req.dirs, req.file_name);
  if (!file) return reply.line(404, "not-found: no such file");
  reply.file(*file, content_type(req.file_name));
}

// A device's file that does not exist (SPEC §7): 404 before any decision,
// so it binds nothing, uses up no unlock and changes no device record. A
// banned address still gets its 403 (the ban is step 1 of the decision, and
// a 404 would tell a banned scanner which names exist). A request naming a
// MAC that is not registered is a scan: journaled and counted against the
// address. A registered device asking for an optional file it has not got
// (Polycom asks for several at each boot) is neither: it is no attempt.
void missing_file(Context& ctx, const CgiRequest& req, const Mac& mac, Reply& reply) {
  const std::optional<std::string> banned = ban_line(ctx, req, load_address(ctx, req.remote_addr));
  const bool registered = store::load_record<Device>(*ctx.store, mac.str()).has_value();
  if (banned || !registered)
    record_refusal(ctx, req,
                   {{"command", "check"},
                    {"mac", mac.str()},
                    {"reason", "unknown-device"},  // "banned" when it was
                    {"path", req.path},
                    {"file", "missing"}},
                   banned.has_value());
  if (banned) return reply.line(403, *banned);
  reply.line(404, "not-found: no such file");
}

// POST <cgi.unban_path>: `ban remove --self` for REMOTE_ADDR.
void unban_self(Context& ctx, const CgiRequest& req, Reply& reply) {
  if (req.method != "POST")
    return reply.line(405, "method-not-allowed: use POST here", "Allow: POST\r\n");
  const std::string ip = req.remote_addr.str();
  const ops::SelfUnbanResult result = ops::self_unban(ctx, req.remote_addr);
  switch (result.outcome) {
    case ops::SelfUnban::removed:
      return reply.line(200, "unbanned: " + ip + " may fetch again");
    case ops::SelfUnban::not_banned:
      return reply.line(200, "not banned: " + ip + " is not banned");
    case ops::SelfUnban::over_limit:
      return reply.line(
          403, "over limit: " + ops::self_unban_refusal(result, req.remote_addr, ctx.config));
    case ops::SelfUnban::operator_ban:
    case ops::SelfUnban::range_ban:
    case ops::SelfUnban::turned_off:
      return reply.line(
          403, "not permitted: " + ops::self_unban_refusal(result, req.remote_addr, ctx.config));
  }
}

void serve(Reply& reply, const Globals& globals) {
  Context ctx = make_context(globals);
  const CgiRequest req = read_cgi_request();
  reply.set_head(req.method == "HEAD");
  ctx.who = store::Json{{"remote_addr", req.remote_addr.str()}};
  const Config::Cgi& cgi = ctx.config.cgi;

  if (req.path == cgi.unban_path) return unban_self(ctx, req, reply);
  if (req.method != "GET" && req.method != "HEAD")
    return reply.line(405, "method-not-allowed: " + ascii(req.method), "Allow: GET, HEAD\r\n");
  if (is_public_file(req.file_name, cgi.public_files)) return serve_file(ctx, req, reply);

  const RequestMac named = request_mac(req.path, req.file_name, req.user_agent, cgi.mac_patterns);
  if (named.mismatch) {
    store::Json entry = {{"command", "check"}, {"reason", "mac-mismatch"}, {"path", req.path}};
    if (named.path_mac) entry["mac"] = named.path_mac->str();
    if (named.agent_mac) entry["ua_mac"] = named.agent_mac->str();
    auto banned = refuse(ctx, req, std::move(entry));
    return reply.line(403, banned ? *banned : deny_line("mac-mismatch"));
  }
  if (!named.mac) {
    auto banned =
        refuse(ctx, req, {{"command", "check"}, {"reason", "no-mac"}, {"path", req.path}});
    return banned ? reply.line(403, *banned) : reply.line(404, "not-found: no such file");
  }

  // The file is opened before the decision and the open file is what is
  // served: no decision is spent on a file that is not there, and none can
  // be taken for one file and another served.
  auto file = open_beneath(cgi.root, req.dirs, req.file_name);
  if (!file) return missing_file(ctx, req, *named.mac, reply);

  const Fetch fetch{*named.mac, req.remote_addr, req.authenticated};
  const FetchResult result = judge_fetch(ctx, fetch, false);
  if (result.store_error) {
    log_error(result.store_error->what());
    return reply.line(503, kStoreErrorLine);
  }
  if (result.reason == "banned") {
    std::optional<std::string> banned;
    try {
      banned = ban_line(ctx, req, load_address(ctx, req.remote_addr));
    } catch (const Error&) {
      // The ban stands; only its details cannot be told.
    }
    return reply.line(403, banned ? *banned : "banned: " + req.remote_addr.str() + " is banned");
  }
  if (!result.allow) return reply.line(403, deny_line(result.reason));
  reply.file(*file, content_type(req.file_name));
}

}  // namespace

int run_cgi(const Globals& globals) {
  Reply reply;
  int status = 0;
  std::string message;
  try {
    drain_request_body();
    serve(reply, globals);
    return 0;
  } catch (const Error& e) {
    message = e.what();
    switch (e.code()) {
      case Exit::data:
        status = 400;
        break;
      case Exit::io:
      case Exit::cant_create:
      case Exit::temp_fail:
        status = 503;
        break;
      default:
        status = 500;
    }
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    status = 500;
  }
  log_error(message);
  // Once headers are out (a file cut short) the response cannot change.
  if (reply.started()) return 0;
  try {
    if (status == 400)
      reply.line(400, "bad-request: " + ascii(message));
    else if (status == 503)
      reply.line(503, kStoreErrorLine);
    else
      reply.line(500, "internal-error: see the web server's error log");
  } catch (const std::exception&) {
    // The server stopped reading; nobody is left to answer.
  }
  return 0;
}

}  // namespace provlock::cli
