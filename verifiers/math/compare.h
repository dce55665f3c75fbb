// Equivalence of two parsed math answers. Rationals compare exactly; an answer written with
// decimals compares with a relative tolerance; irrational values and expressions with
// variables are evaluated with muParser at fixed pseudo-random points (each variable name maps
// to the same values on both sides); tuples and intervals compare element-wise with matching
// brackets; sets and solution lists compare as multisets.
#pragma once
#include <string>

#include "verifiers/math/value.h"

namespace r1 {

struct CompareOptions {
  double decimal_rel_tol = 1e-6;  // when either side was written with a decimal point
  double numeric_rel_tol = 1e-8;  // floating-point evaluation of exact expressions
  static CompareOptions defaults() { return {}; }
};

struct CompareResult {
  bool equal = false;
  std::string method;  // how it was decided: "exact", "decimal_tolerance", "numeric", "text", ...
};

CompareResult compare_values(const MathValue& gold, const MathValue& pred,
                             const CompareOptions& options);

}  // namespace r1
