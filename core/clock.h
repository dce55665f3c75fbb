// The one monotonic clock the roles, progress lines and benchmarks read: seconds since an
// arbitrary start, for measuring intervals and deadlines (never a date; see tfevents for wall
// time).
#pragma once
#include <chrono>

namespace r1 {

inline double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace r1
