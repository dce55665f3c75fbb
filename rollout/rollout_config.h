// The "rollout" section of a run config: how workers sample completions.
#pragma once
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"
#include "rollout/sampler.h"

namespace r1 {

struct RolloutConfig : FieldListed<RolloutConfig> {
  int group_size = 8;  // G completions per task
  int max_new_tokens = 128;
  SamplingParams sampling;  // temperature, top_p, top_k
  std::vector<std::string> stop = {
      "</answer>"};            // stop strings (the end-of-text token always stops)
  int slots = 64;              // sequences decoded together per worker (KV-cache slots)
  int prefill_chunk = 1024;    // prompt tokens per forward call beside decode steps; 0: whole
  std::string device;          // where workers generate: cpu, cuda, cuda:N ("": model.device)
  int workers = 1;             // embedded runs: rollout worker threads
  // Embedded runs: whether workers read the learner's weights in place instead of receiving
  // copies. auto: when both roles are on one GPU; on: whenever both are on one device (the CPU
  // too); off: always copies (RunConfig::shares_weights).
  std::string share_weights = "auto";
  int threads = 0;             // OpenMP threads per worker; 0 = all cores
  double debug_delay_s = 0;    // artificial delay per batch, for staleness tests ...
  int debug_slow_workers = 0;  // ... in the first N workers of an embedded run (0: all)

  static const ConfigFields<RolloutConfig>& fields();  // name, default, check, help of each field
};

}  // namespace r1
