// The message of the error of type E (r1::Error by default) a call throws, or "" when it throws
// none: error tests assert that a message names the file, field or value at fault.
#pragma once
#include <functional>
#include <string>

#include "core/error.h"

namespace r1::testing {

template <typename E = Error>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace r1::testing
