// The message of the r1::Error a call throws, or "" when it throws none: error tests assert
// that a message names the file, field or value at fault.
#pragma once
#include <functional>
#include <string>

#include "core/error.h"

namespace r1::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace r1::testing
