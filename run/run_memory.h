// What the roles of an RL run will hold in memory, from its config alone (model/memory_estimate.h),
// checked against the memory limit before any role allocates: an absurd size fails naming the
// field, not with std::bad_alloc.
#pragma once
#include <string>

#include "model/memory_estimate.h"
#include "run/run_config.h"

namespace r1 {

// role: "learner", "rollout", "reward", or "all" (r1 run: every role in one process).
MemoryEstimate run_memory(const RunConfig& cfg, const std::string& role);
void check_run_memory(const RunConfig& cfg, const std::string& role);

}  // namespace r1
