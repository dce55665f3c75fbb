// Token sampling from logits: temperature, top-k, top-p (nucleus). Temperature 0 is greedy.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/rng.h"
#include "kernels/cpu/sampling.h"

namespace r1 {

// The sampling settings of a config section (fields in kernels/cpu/sampling.h: temperature, 0
// for greedy; top_p; top_k, 0 for no limit).
struct SamplingParams : cpu::SamplingSpec {
  static SamplingParams from_json(const json& j, const std::string& where);
  void validate(const std::string& where) const;
};

// The sampler itself is the backend op kernels/cpu/sampling.h.
using cpu::sample_token;

}  // namespace r1
