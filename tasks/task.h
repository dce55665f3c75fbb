// A Task is one problem with a checkable answer, serialisable as JSON:
//   {id, family, prompt, answer, verifier, difficulty, meta}
// Code tasks also carry `tests` and `entry_point` in the HumanEval form.
#pragma once
#include <string>

#include "core/json.h"

namespace r1 {

struct Task {
  std::string id;
  std::string family;      // generator family ("arith", "countdown", ...) or dataset ("gsm8k")
  std::string prompt;      // the question as shown to the model (before any chat template)
  std::string answer;      // the gold final answer, as text
  std::string verifier;    // name of the verifier that checks completions ("math", "python", ...)
  int difficulty = 0;      // 1..N for generated tasks, 0 for datasets
  json meta = json::object();  // family-specific data a verifier or solver may need
  std::string tests;        // code tasks: test code (HumanEval: defines check(candidate))
  std::string entry_point;  // code tasks: the function under test

  json to_json() const;
  // Reads a task; `where` names the source in errors ("tasks.jsonl:12").
  static Task from_json(const json& j, const std::string& where);
};

}  // namespace r1
