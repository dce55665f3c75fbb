// The `step` verifier: whether the arithmetic claims inside <think> are true (claims.h).
// score = 1 / (1 + false claims) by default ("score": "false_claims"): 1 when every claim is
// true, 1/2 with one false claim, 1/3 with two. Only false claims count, so padding the
// reasoning with true ones ("7 != 8", "1+1=2") cannot raise it. "score": "fraction" gives the
// older true claims / claims, which padding raises. A completion without claims scores 0 with
// reason "no_claims" (and without a <think> block, reason "no_think"): reasoning that shows no
// checkable arithmetic earns no step reward. correct = at least one claim and all of them true.
// details.wrong_spans (verifier.h) marks each claim that is not true, from its relation to the
// end of its right side ("6-6 = 2": " = 2" is wrong, "6-6" was the step tried).
#pragma once
#include <memory>

#include "verifiers/verifier.h"

namespace r1 {

// Options: {"think_tag", "answer_tag", "max_claims" (default 2000), "score" ("false_claims",
// the default, or "fraction")}.
std::unique_ptr<Verifier> make_step_verifier(const json& options);

}  // namespace r1
