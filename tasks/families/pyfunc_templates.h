// The function templates behind the pyfunc family: a spec, a reference Python implementation,
// the same function in C++ (to compute expected outputs at generation time), an input drawer
// and edge cases. Some templates take constants (a multiplier k, a letter c) that vary the
// spec between tasks.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/rng.h"

namespace r1 {

struct PyTemplate {
  std::string name;                     // the function name (Task::entry_point) and meta.template
  int level = 1;                        // the difficulty it belongs to
  std::string params;                   // Python parameter list: "n", "s", "xs", "a, b"
  std::function<json(Rng&)> constants;  // {} or {"k": 3}, {"c": "e"}, ...
  std::function<std::string(const json& k)> spec;             // "returns ..." (after the signature)
  std::function<std::string(const json& k)> code;             // the full def, 4-space indents
  std::function<std::string(const json& k)> plan;             // one line of words for <think>
  std::function<json(Rng&, const json& k)> input;             // one argument list
  std::vector<json> edges;                                    // argument lists always tested
  std::function<json(const json& args, const json& k)> eval;  // the expected return value
};

const std::vector<PyTemplate>& py_templates();
const PyTemplate& py_template(const std::string& name);  // throws listing the names

}  // namespace r1
