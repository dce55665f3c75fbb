// maj@K: the answer most of a task's K samples agree on, and whether it is correct.
// A sample's answer is its verifier's reading of it (the verdict's details.answer_key,
// verifiers/verifier.h); a verdict without one (a plugin or external program that sets none)
// votes by its normalised <answer> text. Correct answers form one class: the verifier judged
// each the gold's equal (any valid countdown expression, any passing program). Wrong ones vote
// by their key, math ones by value ("1/2", "0.5" and "\frac{1}{2}" are one answer). Samples
// without an answer, and those whose verifier failed, abstain. Ties go to the answer that
// appeared first, so the result is deterministic.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace r1 {

struct VoteInput {
  std::string completion;  // as verified (with any completion prefix put back)
  bool correct = false;
  std::optional<std::string> answer_key = std::nullopt;  // the verdict's details.answer_key
  bool verifier_error = false;
};

struct VoteResult {
  bool correct = false;
  int votes = 0;       // size of the winning class
  std::string answer;  // its first member's answer key
};

VoteResult majority_vote(const Task& task, const std::vector<VoteInput>& samples);

}  // namespace r1
