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

// Values of variables by name, for evaluation at a point.
using VarValues = std::vector<std::pair<std::string, BigRational>>;

// The exact value of every node under `root` that has one (status Ok), with the variables
// set to `vars` (a variable missing from it is NotRational). Nodes not under root are
// NotRational. Floating-point evaluation starts from these values, so the rational parts of
// an irrational expression (10^400 in sqrt(2) * 10^400) carry no rounding error.
struct ExactNodes {
  std::vector<ExactStatus> status;
  std::vector<BigRational> value;
  bool ok(int i) const { return status[i] == ExactStatus::Ok; }
};
ExactNodes eval_exact_nodes(const ExprTree& tree, int root, const ExactLimits& limits = {},
                            const VarValues& vars = {});
const char* exact_status_name(ExactStatus s);

// The exact n-th root of a non-negative integer, if it is one (n >= 1).
bool exact_integer_root(const BigInt& x, unsigned n, BigInt* root);

}  // namespace r1
