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
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/rng.h"

namespace r1 {

// Whether f, a one-argument function evaluated here (args a one-element array, out = f(args)),
// maps out to itself: then an abduction task showing out is answered by copying it. False when
// out is not of the argument's type (nothing is evaluated then) or f throws on it. f must end
// on any value of its argument's type (the composed programs do; a caller with a partial
// function throws for values outside its domain).
bool maps_to_itself(const std::function<json(const json&)>& f, const json& args, const json& out);

struct ComposedProgram {
  std::string code;                  // "def f(xs):\n    ...\n", 4-space indents
  std::string spec;                  // what f returns, in words (an induction hint)
  std::vector<std::string> inputs;   // distinct argument lists, as Python source
  std::vector<std::string> outputs;  // repr of f(*inputs[i])
  std::vector<bool> fixed_points;    // f(outputs[i]) == outputs[i] (maps_to_itself)
};

// One program of a random shape with `n_inputs` distinct inputs (n_inputs in [1, 8]).
ComposedProgram compose_program(Rng& rng, int n_inputs);

}  // namespace r1
