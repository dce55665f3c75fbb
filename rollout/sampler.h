// Token sampling from logits: temperature, top-k, top-p (nucleus). Temperature 0 is greedy.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/rng.h"

namespace r1 {

struct SamplingParams {
  double temperature = 1.0;  // 0: greedy
  double top_p = 1.0;        // keep the smallest set of tokens with probability >= top_p
  int top_k = 0;             // 0: no limit
  static SamplingParams from_json(const json& j, const std::string& where);
  void validate(const std::string& where) const;
};

// Returns the sampled token. `logprob` receives its log-probability under the temperature-scaled
// distribution before top-k/top-p truncation (the policy's own probability of the token).
// `scratch` avoids an allocation per call.
int32_t sample_token(const float* logits, int V, const SamplingParams& sp, Rng& rng, float* logprob,
                     std::vector<std::pair<float, int32_t>>& scratch);

}  // namespace r1
