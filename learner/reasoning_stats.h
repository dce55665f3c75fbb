// What a step's completions show of their reasoning, beside accuracy: do they search (backtrack
// out of dead ends), is an answer found on the first try or after backtracking, and is the
// arithmetic they claim true. The quickstart trains on search traces (countdown's "dfs" worked
// solutions: tasks/families/countdown_search.h), so these say whether RL makes the search
// longer or shorter, and more or less honest. A backtrack is a line that reads "back"; claims
// are the step verifier's (verifiers/step/claims.h: "a op b = r", "r != target"), both read in
// the <think> block as the step verifier finds it (verifiers/completion.h).
#pragma once
#include <cstdint>
#include <string>

#include "core/json.h"

namespace r1 {

class ReasoningStats {
 public:
  // One completion (the text after the prompt) and whether its answer was right.
  void add(const std::string& completion, bool correct);

  // {"backtrack_rate", "backtracks_per_sample", "correct_first_try", "correct_after_backtrack",
  //  "claims_per_sample", "false_claim_rate"}: shares of the samples added (the last of the
  //  false claims among all claims); zeros when none were added.
  json to_json() const;

 private:
  int64_t samples_ = 0, backtracked_ = 0, backtracks_ = 0, first_try_ = 0, after_backtrack_ = 0;
  int64_t claims_ = 0, false_claims_ = 0;
};

}  // namespace r1
