// pyoutput's programs written as functions, for self-play's seed buffer (tasks/selfplay/): the
// buffer then holds loops, branches, while loops and string walks beside pyfunc's templates, so
// propose prompts show the policy more ways to write a program.
//
// The leading assignments of literals become parameters (the first always, unless it is an
// empty list or string; later ones unless they start an accumulator at 0, '' or []), the body
// stays as it is, and the final print becomes the return value (a tuple for several values):
//   a = 7            def f(a):
//   b = a * 3 + 1      b = a * 3 + 1
//   print(a, b)        return a, b
// The first input is the program's own literals; the others are drawn like them (positive ints
// up to a few times the original, words of the same letters, lists of 1..20). The outputs are
// left to the sandbox, which runs every seed before it joins the buffer.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace r1 {

struct PyoutputFunction {
  std::string code;                 // "def f(a):\n    ...\n    return b\n", 4-space indents
  std::vector<std::string> inputs;  // distinct argument lists as Python source
};

// `task` must be a pyoutput task (its meta.seed and difficulty rebuild the program; throws
// otherwise). nullopt when the program starts from nothing to lift (`xs = []`). n_inputs >= 1.
std::optional<PyoutputFunction> pyoutput_function(const Task& task, int n_inputs);

}  // namespace r1
