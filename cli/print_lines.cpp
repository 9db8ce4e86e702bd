#include "cli/print_lines.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <system_error>
#include <thread>

namespace provlock::cli {

void in_two(std::size_t n, const std::function<void(std::size_t, std::size_t)>& work) {
  const std::size_t half = n / 2;
  std::exception_ptr failed;
  std::thread other;
  if (half > 0) {
    try {
      other = std::thread([&] {
        try {
          work(half, n);
        } catch (...) {
          failed = std::current_exception();
        }
      });
    } catch (const std::system_error&) {
    }
  }
  work(0, other.joinable() ? half : n);
  if (other.joinable()) other.join();
  if (failed) std::rethrow_exception(failed);
}

void print_lines(std::size_t n, const std::function<void(std::size_t, std::string&)>& render) {
  constexpr std::size_t kBlock = 4096;
  std::string text[2];
  for (std::size_t begin = 0; begin < n; begin += 2 * kBlock) {
    const std::size_t count = std::min(n - begin, 2 * kBlock);
    in_two(count, [&](std::size_t from, std::size_t to) {
      std::string& out = text[from == 0 ? 0 : 1];
      out.clear();
      for (std::size_t i = from; i < to; ++i) render(begin + i, out);
    });
    for (const std::string& t : text)
      std::cout.write(t.data(), static_cast<std::streamsize>(t.size()));
    text[1].clear();
  }
}

}  // namespace provlock::cli
