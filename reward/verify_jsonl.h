// The engine of `r1 verify`: JSONL records {"id", "task": {...}, "completion": "...",
// "completion_tokens"?} in (an `r1 rejection-sample` line's "prompt", "suite" and "reason" are
// allowed and ignored), one record per input line out, in input order, verified in
// parallel. A bad line (not JSON, nesting deeper than kMaxJsonDepth, a number out of range,
// invalid UTF-8, a NUL byte, over max_line_bytes, a missing or ill-typed field) yields an error
// record naming its line and the reason, and the stream goes on. Output lines:
//   {"id", "reward", "correct", "format_ok", "verifier", "reason", "details",
//    "verifier_error"?, "overlong_penalty"?, "components"? (with a reward config),
//    "error"? and "line"? (bad input)}
// "reward" is null for verifier errors and bad input.
#pragma once
#include <cstddef>
#include <istream>
#include <ostream>
#include <string>

#include "core/line_reader.h"
#include "reward/reward_function.h"
#include "tasks/task.h"

namespace r1 {

struct VerifyStreamStats {
  size_t records = 0;
  size_t correct = 0;
  size_t bad_input = 0;
  size_t verifier_errors = 0;
  size_t scored_by_control = 0;  // verifier failures the gold control scored 0
};

// `show_components`: add the per-component breakdown to each line.
VerifyStreamStats verify_jsonl(std::istream& in, std::ostream& out, const RewardFunction& reward,
                               size_t threads, bool show_components,
                               size_t max_line_bytes = kDefaultMaxLineBytes);

// The output record of input line number `line` (from 1): its verdict, or an error record when
// the line is bad input. Never throws.
ordered_json verify_line(const std::string& text, size_t line, const RewardFunction& reward,
                         bool show_components);

// A record's "task": a Task (see tasks/task.h), or a HumanEval record (task_id, prompt,
// canonical_solution, test, entry_point), which becomes a task for the "python" verifier.
// Throws naming `where` and the field at fault.
Task task_from_record(const json& task, const std::string& where);

}  // namespace r1
