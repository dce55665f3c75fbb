// Token sampling from one row of logits: temperature, top-k, top-p (nucleus). Temperature 0 is
// greedy. rollout/sampler.h reads these settings from configs.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "core/rng.h"

namespace r1::cpu {

struct SamplingSpec {
  double temperature = 1.0;  // 0: greedy
  double top_p = 1.0;        // keep the smallest set of tokens with probability >= top_p
  int top_k = 0;             // 0: no limit
};

// Returns the sampled token. `logprob` receives its log-probability under the temperature-scaled
// distribution before top-k/top-p truncation (the policy's own probability of the token).
// `scratch` avoids an allocation per call.
int32_t sample_token(const float* logits, int V, const SamplingSpec& sp, Rng& rng, float* logprob,
                     std::vector<std::pair<float, int32_t>>& scratch);

// One token per row of logits (R, V), row r drawing from rngs[r]; rows in order.
void sample_rows(int32_t* tokens, float* logprobs, const float* logits, int R, int V, const SamplingSpec& sp,
                 Rng* const* rngs);

}  // namespace r1::cpu
