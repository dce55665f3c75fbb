// The `countdown` verifier: the answer is an expression that uses exactly the multiset
// task.meta.numbers (each once, all of them) with + - * / and parentheses, and evaluates
// exactly (rational arithmetic, no floating point) to task.meta.target. We parse the
// expression ourselves; nothing is ever handed to a shell or an interpreter.
#pragma once
#include <memory>

#include "verifiers/verifier.h"

namespace r1 {

// Options: {"think_tag", "answer_tag", "allow_unused_numbers" (default false)}.
std::unique_ptr<Verifier> make_countdown_verifier(const json& options);

}  // namespace r1
