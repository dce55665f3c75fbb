// Exact evaluation of an expression tree over the rationals. Succeeds only when every step is
// rational (no variables, no pi, no irrational roots); otherwise says why, so callers can fall
// back to floating point (math) or reject the claim (step, countdown).
#pragma once
#include <string>

#include "verifiers/arith/expr.h"
#include "verifiers/arith/rational.h"

namespace r1 {

enum class ExactStatus {
  Ok,
  NotRational,  // variables, constants, functions, irrational roots, infinity
  DivisionByZero,
  TooLarge,  // beyond ExactLimits
};

struct ExactResult {
  ExactStatus status = ExactStatus::NotRational;
  BigRational value;
  bool ok() const { return status == ExactStatus::Ok; }
};

ExactResult eval_exact(const ExprTree& tree, int root, const ExactLimits& limits = {});
const char* exact_status_name(ExactStatus s);

// The exact n-th root of a non-negative integer, if it is one (n >= 1).
bool exact_integer_root(const BigInt& x, unsigned n, BigInt* root);

}  // namespace r1
