// The engine of `r1 verify`: JSONL records {"id", "task": {...}, "completion": "...",
// "completion_tokens"?} in, one verdict line per record out, in input order, verified in
// parallel. A malformed record yields an error line for its id (or line number) and the
// stream goes on. Output lines:
//   {"id", "reward", "correct", "format_ok", "verifier", "reason", "details",
//    "verifier_error"?, "overlong_penalty"?, "components"? (with a reward config),
//    "error"? and "line"? (bad input)}
// "reward" is null for verifier errors and bad input.
#pragma once
#include <cstddef>
#include <istream>
#include <ostream>

#include "reward/reward_function.h"
#include "tasks/task.h"

namespace r1 {

struct VerifyStreamStats {
  size_t records = 0;
  size_t correct = 0;
  size_t bad_input = 0;
  size_t verifier_errors = 0;
};

// `show_components`: add the per-component breakdown to each line.
VerifyStreamStats verify_jsonl(std::istream& in, std::ostream& out, const RewardFunction& reward,
                               size_t threads, bool show_components);

// A record's "task": a Task (see tasks/task.h), or a HumanEval record (task_id, prompt,
// canonical_solution, test, entry_point), which becomes a task for the "python" verifier.
// Throws naming `where` and the field at fault.
Task task_from_record(const json& task, const std::string& where);

}  // namespace r1
