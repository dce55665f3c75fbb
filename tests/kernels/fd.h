// Central finite differences for gradient checks. Tests run ops in double so that the
// comparison is limited by the O(h^2) truncation error and not by float32 rounding:
// with h = 1e-5 both error terms are below 1e-9 for O(1) values, so a relative tolerance of
// 1e-6 catches any real mistake in a backward formula while never failing on rounding.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"

namespace r1::test {

inline std::vector<double> randn(size_t n, uint64_t seed, double scale = 1.0) {
  Rng r(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = r.normal() * scale;
  return v;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Compares analytic[i] with (loss(x + h e_i) - loss(x - h e_i)) / 2h for every i (or an evenly
// spread sample of at most max_checks entries). `skip(i)` may exclude entries where the loss is
// not differentiable (for example a router selection that flips inside the step).
inline void check_gradient(const std::string& name, std::vector<double>& x, const std::vector<double>& analytic,
                           const std::function<double()>& loss, double rtol = 1e-6, double atol = 1e-9,
                           size_t max_checks = 0, double h = 1e-5,
                           const std::function<bool(size_t)>& skip = nullptr) {
  ASSERT_EQ(x.size(), analytic.size()) << name;
  size_t n = x.size();
  size_t stride = (max_checks && n > max_checks) ? n / max_checks : 1;
  size_t checked = 0, bad = 0;
  for (size_t i = 0; i < n; i += stride) {
    double orig = x[i];
    x[i] = orig + h;
    double lp = loss();
    x[i] = orig - h;
    double lm = loss();
    x[i] = orig;
    if (skip && skip(i)) continue;
    double num = (lp - lm) / (2 * h);
    double a = analytic[i];
    double tol = atol + rtol * std::max(std::fabs(a), std::fabs(num));
    ++checked;
    if (std::fabs(a - num) > tol && bad++ < 5) {
      ADD_FAILURE() << name << "[" << i << "]: analytic " << a << " vs numeric " << num << " (diff "
                    << std::fabs(a - num) << ", tol " << tol << ")";
    }
  }
  EXPECT_EQ(bad, 0u) << name << ": " << bad << " of " << checked << " entries off";
  EXPECT_GT(checked, 0u) << name << ": nothing checked";
}

}  // namespace r1::test
