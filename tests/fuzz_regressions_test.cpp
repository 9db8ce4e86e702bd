// Inputs the fuzzers of fuzz/ found (scripts/fuzz replays the raw files in
// fuzz/regressions/ as well): each case states the property it broke.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "lib/config.hpp"
#include "lib/error.hpp"

using namespace provlock;

namespace {

// The message of the Error(Exit::config) that parse_config throws for `text`
// ("" if it throws none).
std::string config_error(const std::string& text) {
  try {
    parse_config(text, "fuzz.toml");
  } catch (const Error& e) {
    CHECK(e.code() == Exit::config);
    return e.what();
  }
  return "";
}

// Runs `body` in a child process: true if the child exits 0. An abort, a
// sanitizer report or a crash inside `body` fails this one check instead
// of ending the whole test run.
bool survives(const std::function<void()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    // The child dies of what it meets; doctest's handlers stay the parent's.
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) signal(sig, SIG_DFL);
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

// Keys, values and syntax errors from the file once went into the message as
// they were, so a config error could span lines (SPEC §10: "Errors go to
// stderr as one line"); fuzz/regressions/config/error-message-*.
TEST_CASE("fuzz regression: a config error is one line whatever the file holds") {
  for (const std::string& text : {std::string("\"a\\nb\" = 1\n"),                // quoted key
                                  std::string("[ban]\ncount = \"x\\ny\"\n"),      // string value
                                  std::string("bog\x01\r\0 = 1\n", 12)}) {          // control bytes
    CAPTURE(text);
    const std::string message = config_error(text);
    CHECK(message.rfind("fuzz.toml", 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\r') == std::string::npos);
  }
}

// toml++ 3.3.0 (Debian 12): a character in U+00A1..U+0499 (and others) where
// it looks for white space reaches TOML_UNREACHABLE (__builtin_unreachable)
// in is_non_ascii_horizontal_whitespace, undefined behaviour inside provlock,
// which compiles toml++ in (fixed upstream: marzer/tomlplusplus#190, #295,
// PR #305). parse_config refuses such bytes before toml++ sees them. Seen
// only under UBSan (scripts/test's sanitizer build) if it comes back.
TEST_CASE("fuzz regression: a non-ASCII character after '=' is a syntax error") {
  CHECK(survives([] {
    if (config_error("store = \xc2\xa7\n").find("fuzz.toml:1") == std::string::npos) _exit(1);
    if (config_error("boguq = \xcf\x9b" "ffff\x9a").find("fuzz.toml:1") == std::string::npos) _exit(1);
  }));
}

// A quote that is not the start of a string (inside a bare value) once made
// the rest of the line pass as "inside a string", while toml++ still read it
// as the value and reached TOML_UNREACHABLE; now a quote opens a string only
// where TOML lets one begin. fuzz/regressions/config/
// toml-unreachable-quote-in-bare-value*.
TEST_CASE("fuzz regression: a non-ASCII character after a stray quote is a syntax error") {
  CHECK(survives([] {
    if (config_error("a = 1\"\xc2\xa7\n").find("fuzz.toml:1") == std::string::npos) _exit(1);
    if (config_error("a = 1g\"\xc2\xa7\"\n").find("fuzz.toml:1") == std::string::npos) _exit(1);
  }));
}

// Where strings and comments are was guessed by parse_config's own reading
// of quotes, and the guess went wrong again: a quote after a '.' in a value
// ("2\":\"\".\"...") passed for a dotted key's string, and a '#' inside a
// multi-line string for a comment, while toml++ read on and reached
// TOML_UNREACHABLE (at a U+FDBF; at a U+FEF7 after a backslash). Now toml++
// itself says where the strings are, reading a copy with every non-ASCII
// byte made 'x'. fuzz/regressions/config/toml-unreachable-quote-after-dot-in-value,
// toml-unreachable-backslash-in-multiline-string.
TEST_CASE("fuzz regression: non-ASCII text where toml++ reads no string is a syntax error") {
  CHECK(survives([] {
    static const char kFound[] = "bogUs = 2\":\"\".\"olo----z\0\0[batter\xef\xb6\xbf]\n";
    if (config_error(std::string(kFound, sizeof kFound - 1)).find("fuzz.toml:1") ==
        std::string::npos)
      _exit(1);
    if (config_error("a = 2\"x\".\"\xc3\xa9\"\n").find("fuzz.toml:1") == std::string::npos) _exit(1);
    if (config_error("a = \"unterminated \xc3\xa9\n").find("fuzz.toml:1") == std::string::npos)
      _exit(1);
    if (config_error("[ch]\nps = \"\"\"\"x \"#[\"\\\xef\xbb\xb7xnl]\n").find("fuzz.toml:2") ==
        std::string::npos)
      _exit(1);
  }));
  // Where TOML has strings and comments, their text may still be anything.
  CHECK_NOTHROW(parse_config("[store] # caf\xc3\xa9\npath = \"/srv/caf\xc3\xa9\"\n", "fuzz.toml"));
  CHECK_NOTHROW(parse_config("store.\"path\" = '/srv/\xe6\x9d\xb1'\n", "fuzz.toml"));
  CHECK(parse_config("[cgi]\nroot = \"\"\"/srv/#\xc3\xa9\"\"\" # \xc3\xa9 \"\n", "fuzz.toml").cgi.root ==
        "/srv/#\xc3\xa9");
}

// toml++ 3.3.0 asserts (TOML_ASSERT_ASSUME in parse_key) on a table header
// broken by a newline (upstream PR #301); a build without NDEBUG (the
// sanitizer build) aborted where a release build reports the syntax error.
TEST_CASE("fuzz regression: a table header broken by a newline is a syntax error") {
  CHECK(survives([] {
    if (config_error("[\nbna]max_attempts =\n").rfind("fuzz.toml", 0) != 0) _exit(1);
  }));
}
