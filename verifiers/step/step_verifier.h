// The `step` verifier: whether the arithmetic claims inside <think> are true (claims.h).
// score = 1 when there is at least one claim and every claim is true, else 0 (the default,
// "score": "all_true"). Padding the reasoning with true claims ("7 != 8", "1+1=2") cannot lift
// a false one, and no number of false claims scores above none. "score": "fraction" gives true
// claims / claims instead, which padding raises. A completion without claims scores 0 with
// reason "no_claims" (and without a <think> block, reason "no_think"): reasoning that shows no
// checkable arithmetic earns no step reward. correct = at least one claim and all of them true.
// details.wrong_spans (verifier.h) marks each claim that is not true, from its relation to the
// end of its right side ("6-6 = 2": " = 2" is wrong, "6-6" was the step tried).
#pragma once
#include <memory>

#include "verifiers/verifier.h"

namespace r1 {

// Options: {"think_tag", "answer_tag", "max_claims" (default 2000), "score" ("all_true", the
// default, or "fraction")}.
std::unique_ptr<Verifier> make_step_verifier(const json& options);

}  // namespace r1
