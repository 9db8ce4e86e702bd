// provlock cgi: the CGI/1.1 front (SPEC §7). Placeholder until it lands.
#include <iostream>

#include "cli/commands.hpp"

namespace provlock::cli {

int run_cgi() {
  std::cout << "Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nnot yet\n";
  return 0;
}

}  // namespace provlock::cli
