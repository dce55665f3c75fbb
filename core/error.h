// Errors in r1.cpp are exceptions whose message names the input at fault (a file, a field,
// a tensor, a flag). `cat` builds such messages without <format> (not in GCC 12).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace r1 {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

template <typename... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(cat(std::forward<Args>(args)...));
}

// Checks an internal invariant (not user input): a failure here is a bug in r1.cpp.
#define R1_CHECK(cond, ...)                                                              \
  do {                                                                                   \
    if (!(cond)) ::r1::fail(__FILE__, ":", __LINE__, ": check failed: " #cond " ", ##__VA_ARGS__); \
  } while (0)

}  // namespace r1
