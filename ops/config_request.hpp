// A device's configuration file asked for over HTTP (SPEC §7): the verdict
// that the CGI and FastCGI fronts turn into a response. Which MAC the request
// names, whether the file exists, the decision of `check`, the counting and
// the journal are all here; the fronts read the request, open and send files
// and write the HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "lib/identity.hpp"
#include "ops/session.hpp"

namespace provlock::ops {

// What a client learns of store trouble; the details go to the error log.
inline constexpr const char* kStoreErrorLine =
    "store-error: the device store is unavailable; try again later";

// A request as a front has read and checked it.
struct ConfigRequest {
  std::string path;        // beneath cgi.root, "/dir/file.cfg"
  std::string file_name;   // its last component
  std::string base;        // the URL prefix the path sits under (to name other URLs)
  std::string user_agent;  // "" when not sent
  Ip remote_addr;
  Identity identity;  // who the server verified is asking (REMOTE_USER, certificate)
};

// What to answer: the file that `open_file` opened (status 200), or a status
// with a one-line plain-text body. A store failure is 503 with the error kept
// for the server's log.
struct ConfigAnswer {
  int status = 200;
  bool serve_file = false;
  std::string line;
  std::optional<Error> store_error;
};

// The answer to GET/HEAD of a file that is not public. `open_file` opens the
// requested file and says whether it exists; it is called once the request
// names a device, before any decision, and the file it opened is the one to
// serve: a missing file is 404 before any decision (it binds nothing and
// uses up no unlock) but still a scan when it names no registered device.
// Throws Error on store failure outside the decision itself.
ConfigAnswer answer_config_request(Session& s, const ConfigRequest& req,
                                   const std::function<bool()>& open_file);

// The answer to POST <cgi.unban_path>: the self-unban of req.remote_addr. An
// identity that names a registered device by its MAC (a client certificate,
// or a REMOTE_USER spelling the MAC) is that device's own identity (a POST
// names no device of its own).
ConfigAnswer answer_self_unban(Session& s, const ConfigRequest& req);

}  // namespace provlock::ops
