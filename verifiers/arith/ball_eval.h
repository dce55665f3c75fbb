// Evaluation of expression trees in ball arithmetic (ball.h), for the math verifier's
// comparison of values that are not rational: sqrt(2) * 10^400, pi * 2^5000, e^1000,
// 171! * sqrt(2). Nodes with an exact rational value (from eval_exact_nodes, at the same
// point) start from it, so only the truly irrational steps carry rounding error.
#pragma once
#include <string>

#include "verifiers/arith/ball.h"
#include "verifiers/arith/exact_eval.h"
#include "verifiers/arith/expr.h"

namespace r1 {

// The subtree under `root`. A variable without an exact value is unknown.
Ball eval_ball(const ExprTree& tree, int root, const ExactNodes& exact);

// The functions the parsers produce: sin cos tan sec csc cot asin acos atan sinh cosh tanh
// asinh acosh atanh ln log10 log2 exp sqrt abs. Unknown for any other name.
Ball ball_function(const std::string& name, const Ball& x);
// x! = Gamma(x + 1); undefined at the negative integers.
Ball ball_factorial(const Ball& x);
// C(n, k) for an integer k up to 100, or n - k up to 100 for an integer n (the
// falling-factorial product, so n may be any real); unknown otherwise.
Ball ball_binom(const Ball& n, const Ball& k);

}  // namespace r1
