#include "verifiers/python/compare_outputs.h"

#include <algorithm>
#include <cmath>

namespace r1 {

bool outputs_equal(const json& got, const json& expected, double rel_tol) {
  if (got.is_number() && expected.is_number()) {
    if (got.is_number_integer() && expected.is_number_integer()) {
      // Compare as signed or unsigned 64-bit without overflow.
      if (got.is_number_unsigned() != expected.is_number_unsigned()) {
        const json& u = got.is_number_unsigned() ? got : expected;
        const json& s = got.is_number_unsigned() ? expected : got;
        return s.get<int64_t>() >= 0 &&
               static_cast<uint64_t>(s.get<int64_t>()) == u.get<uint64_t>();
      }
      return got == expected;
    }
    double a = got.get<double>(), b = expected.get<double>();
    if (std::isnan(a) || std::isnan(b)) return false;
    // An integer expected takes a float only when it is that integer (3.0 == 3 in Python): a
    // tolerance would pass math.gcd(a, b) * (1 + 1e-10), or Binet's formula unrounded.
    if (expected.is_number_integer()) {
      if (a != std::floor(a) || std::fabs(a) >= 9.2e18) return false;
      return expected.is_number_unsigned()
                 ? a >= 0 && static_cast<uint64_t>(a) == expected.get<uint64_t>()
                 : static_cast<int64_t>(a) == expected.get<int64_t>();
    }
    return std::fabs(a - b) <= rel_tol * std::max({1.0, std::fabs(a), std::fabs(b)});
  }
  if (got.type() != expected.type()) return false;
  if (got.is_array()) {
    if (got.size() != expected.size()) return false;
    for (size_t i = 0; i < got.size(); ++i) {
      if (!outputs_equal(got[i], expected[i], rel_tol)) return false;
    }
    return true;
  }
  if (got.is_object()) {
    if (got.size() != expected.size()) return false;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      auto g = got.find(it.key());
      if (g == got.end() || !outputs_equal(*g, it.value(), rel_tol)) return false;
    }
    return true;
  }
  return got == expected;  // null, boolean, string
}

}  // namespace r1
