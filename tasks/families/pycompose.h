// Composed Python programs: small functions built from parts, so that a model trained on them
// learns a grammar of programs rather than a list of them. Self-play needs that: a proposer
// whose cold start saw only pyfunc's templates re-posts those templates with new inputs but
// hardly writes a program the buffer lacks (docs/results/selfplay/). Three shapes:
//   an int-list pipeline   ys = [MAP for x in xs if PRED]; return AGG(ys)
//   an integer expression  1-3 steps on n: + c, - c, * k, // k, % c, c - e, e * e, abs(e),
//                          max(e, c), min(e, c)
//   a string chain         1-3 of .upper(), [::-1], .replace(a, b), [k:], [:k], + 'c', * 2,
//                          then maybe len(), .count(c) or .startswith(c)
// A program whose outputs on its inputs are all equal is drawn again: it would teach nothing
// as an induction task.
// Every part is evaluated here with Python's semantics (floor division and modulo of negative
// numbers, slices past the end), so outputs are exact; the self-play sandbox recomputes them
// anyway in a run, and tests compare against a real interpreter.
#pragma once
#include <string>
#include <vector>

#include "core/rng.h"

namespace r1 {

struct ComposedProgram {
  std::string code;                  // "def f(xs):\n    ...\n", 4-space indents
  std::string spec;                  // what f returns, in words (an induction hint)
  std::vector<std::string> inputs;   // distinct argument lists, as Python source
  std::vector<std::string> outputs;  // repr of f(*inputs[i])
};

// One program of a random shape with `n_inputs` distinct inputs (n_inputs in [1, 8]).
ComposedProgram compose_program(Rng& rng, int n_inputs);

}  // namespace r1
