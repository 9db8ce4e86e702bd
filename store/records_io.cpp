#include "store/records_io.hpp"

#include <algorithm>

namespace provlock::store {
namespace {

std::string file_safe(std::string text) {
  std::replace(text.begin(), text.end(), ':', '_');
  std::replace(text.begin(), text.end(), '/', '-');
  return text;
}

}  // namespace

std::string address_key(const Prefix& prefix) {
  return file_safe(prefix.str());
}
std::string window_key(const Ip& ip) {
  return file_safe(ip.str());
}

}  // namespace provlock::store
