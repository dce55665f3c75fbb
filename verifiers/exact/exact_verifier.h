// The `exact` verifier: the <answer> content, trimmed of surrounding whitespace, must equal
// task.answer, also trimmed, byte for byte. Used for predicted program output (pyoutput).
// On a mismatch the details say where the two first differ.
#pragma once
#include <memory>

#include "verifiers/verifier.h"

namespace r1 {

// Options: {"think_tag", "answer_tag"}.
std::unique_ptr<Verifier> make_exact_verifier(const json& options);

}  // namespace r1
