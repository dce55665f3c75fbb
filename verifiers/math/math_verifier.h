// The `math` verifier: extracts the final answer (extract.h), normalises it (normalize.h),
// parses it (value.h) and compares it with task.answer (compare.h). Score 1 when equivalent.
// A gold answer that cannot be parsed is a verifier error ("gold_unparseable"), never a 0.
#pragma once
#include <memory>

#include "verifiers/verifier.h"

namespace r1 {

// Options: {"think_tag", "answer_tag", "decimal_rel_tol" (1e-6), "numeric_rel_tol" (1e-8),
//           "fallback": "untagged" | "always" | "never" (see extract.h)}.
std::unique_ptr<Verifier> make_math_verifier(const json& options);

}  // namespace r1
