// A throwaway FileStore for the store's unit tests: <tmp dir>/store, the
// folder removed with everything in it at the end of the test.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "store/file_store.hpp"

namespace provlock::testing {

struct TempStore {
  std::string path;
  TempStore() {
    char templ[] = "/tmp/provlock-store-test-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path = std::string(templ) + "/store";
  }
  ~TempStore() {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(path).parent_path(), ignored);
  }
  // The tests say what is written, never how long a lock is waited for; a
  // loaded machine (a CI run, sanitizers) can hold a record's lock for
  // seconds of flushes while processes race on it, so the wait is generous.
  store::FileStore open() const { return store::FileStore(path, std::chrono::seconds(60)); }
};

}  // namespace provlock::testing
