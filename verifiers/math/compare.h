// Equivalence of two parsed math answers. Rationals compare exactly (a decimal with an exact
// relative tolerance); values that are not rational compare in ball arithmetic (ball.h) at a
// relative tolerance, and a pair whose rounding error exceeds it is not equal; expressions
// with variables are evaluated at fixed pseudo-random points (each variable name maps to the
// same values on both sides; exactly where both sides are rational there); tuples and
// intervals compare element-wise with matching brackets; sets and solution lists compare as
// multisets.
#pragma once
#include <string>

#include "verifiers/math/value.h"

namespace r1 {

struct CompareOptions {
  double decimal_rel_tol = 1e-6;  // when either side was written with a decimal point
  double numeric_rel_tol = 1e-8;  // values that are not rational (sqrt 2, pi, e^x)
  static CompareOptions defaults() { return {}; }
};

struct CompareResult {
  bool equal = false;
  std::string method;  // how it was decided: "exact", "decimal_tolerance", "numeric", "text", ...
};

CompareResult compare_values(const MathValue& gold, const MathValue& pred,
                             const CompareOptions& options);

}  // namespace r1
