// A scored group the learner can train on: what the collector (learner/group_collector.h) hands
// to the update (learner/grpo_update.h) and the step report (learner/step_report.h).
#pragma once
#include <cstdint>
#include <vector>

#include "core/rl_messages.h"

namespace r1 {

struct UsableGroup {
  RolloutGroup g;
  uint64_t staleness = 0;          // learner version minus sampling version, when taken
  std::vector<int> kept;           // samples without verifier errors
  std::vector<double> advantages;  // per kept sample
  // Per kept sample: added to its advantage token by token (learner/token_penalties.h); empty
  // when no reward component penalises spans, or the sample has none.
  std::vector<std::vector<float>> token_offsets;
  // Its rewards were all equal; dynamic sampling kept it for its token penalties
  // (learner.keep_penalised_groups), so only those give it a policy-gradient signal.
  bool kept_for_penalties = false;
};

}  // namespace r1
