// Floating-point evaluation of expression trees with muParser, for what exact rational
// arithmetic cannot decide: irrational values (sqrt 2, pi) and expressions with variables,
// which are compared by evaluating both sides at the same random points.
//
// A muParser instance is costly to set up, so each thread keeps one (thread_local) and only
// swaps the expression string. muParser only ever sees text that we generated from a parsed
// tree, never raw model output, so its own parser cannot be driven into odd states.
#pragma once
#include <string>
#include <vector>

#include "verifiers/arith/expr.h"

namespace r1 {

constexpr size_t kMaxNumericVars = 16;

// The subtree in muParser syntax, with variable vars[i] written as "v<i>". False when the tree
// holds something muParser cannot express (infinity, an unknown variable, too deep).
bool to_muparser(const ExprTree& tree, int root, const std::vector<std::string>& vars,
                 std::string* out);

// Evaluates the subtree once per point (points[k][i] is the value of vars[i]); NaN where the
// expression is undefined. False when the tree cannot be evaluated at all.
bool eval_numeric(const ExprTree& tree, int root, const std::vector<std::string>& vars,
                  const std::vector<std::vector<double>>& points, std::vector<double>* values);

// Evaluates a muParser expression string over variables v0..v<nvars-1> on this thread's
// cached parser. Exposed for tests and benchmarks.
bool eval_muparser(const std::string& expr, size_t nvars,
                   const std::vector<std::vector<double>>& points, std::vector<double>* values);

}  // namespace r1
