// Printing many lines fast: most of the time of listing a million devices is
// formatting them, which two threads do at once.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace provlock::cli {

// Calls work(begin, end) for [0, n) in two halves at once, one on another
// thread (the machine has two cores or more); in this thread alone if no
// thread can be started. Exceptions of either half reach the caller.
void in_two(std::size_t n, const std::function<void(std::size_t, std::size_t)>& work);

// Writes the lines that render(i, text) appends for i in [0, n) to stdout,
// in order, in blocks that two threads render at once.
void print_lines(std::size_t n, const std::function<void(std::size_t, std::string&)>& render);

}  // namespace provlock::cli
