// What an evaluation will hold in memory, from its options alone (model/memory_estimate.h): the
// model's weights, the KV cache of its generation slots, and every sample of a suite with its
// verdict. Field names are those the user wrote (flags for r1 eval, config fields for r1 pipeline).
#pragma once
#include <string>
#include <vector>

#include "eval/evaluator.h"
#include "model/memory_estimate.h"
#include "tasks/suite.h"

namespace r1 {

struct EvalFieldNames {
  std::string samples = "--samples", slots = "--slots", max_new_tokens = "--max-new-tokens";
};

MemoryEstimate eval_memory(const ModelConfig& mc, const EvalOptions& opt,
                           const std::vector<SuiteSpec>& suites, const EvalFieldNames& names = {});

}  // namespace r1
