// The limits fuzz_wire_message checks rollout groups against: like a small run's, with a decoder
// that maps ids to bytes as a byte tokenizer would. A group whose last sample is a guide has one
// sample more than its group size. The seed corpus test (tests/core/test_wire_corpus.cpp) checks
// its seeds against the same limits, so that fuzzing from them gets past the checks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/rl_messages.h"
#include "core/rollout_checks.h"

namespace r1::fuzz {

inline RolloutLimits wire_limits(const RolloutGroup& g) {
  RolloutLimits l;
  const bool guided = !g.samples.empty() && g.samples.back().guide;
  l.group_size = static_cast<int>(g.samples.size()) - (guided ? 1 : 0);
  l.vocab_size = 300;
  l.max_new_tokens = 64;
  l.max_positions = 256;
  l.decode = [](const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s.push_back(static_cast<char>(id & 0xFF));
    return s;
  };
  l.reward_min = -1;
  l.reward_max = 1.1;
  return l;
}

}  // namespace r1::fuzz
