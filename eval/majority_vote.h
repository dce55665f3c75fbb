// maj@K: the answer most of a task's K samples agree on, and whether it is correct.
// Equivalent answers vote together: for math tasks "1/2", "0.5" and "\frac{1}{2}" are one answer
// (compared with the math verifier's value comparison); for other tasks, correct answers form
// one class (any valid countdown expression, any passing program) and wrong ones vote by their
// normalised text. Samples without an extractable answer abstain. Ties go to the answer that
// appeared first, so the result is deterministic.
#pragma once
#include <string>
#include <vector>

#include "tasks/task.h"

namespace r1 {

struct VoteInput {
  std::string completion;  // as verified (with any completion prefix put back)
  bool correct = false;
};

struct VoteResult {
  bool correct = false;
  int votes = 0;       // size of the winning class
  std::string answer;  // its first member's answer text
};

VoteResult majority_vote(const Task& task, const std::vector<VoteInput>& samples);

}  // namespace r1
