// Shared helpers for model tests: config paths and small random batches.
#pragma once
#include <string>
#include <vector>

#include "core/rng.h"
#include "model/batch.h"
#include "model/config.h"

namespace r1::test {

inline std::string repo_path(const std::string& rel) { return std::string(R1_SOURCE_DIR) + "/" + rel; }

inline ModelConfig tiny_config() { return ModelConfig::load(repo_path("configs/models/tiny-moe.json")); }

// Sequences of the given lengths with random tokens.
inline PackedBatch random_batch(const std::vector<int>& lengths, int vocab, uint64_t seed) {
  Rng rng(seed);
  PackedBatch b;
  for (int len : lengths) {
    std::vector<int32_t> s(len);
    for (auto& t : s) t = static_cast<int32_t>(rng.below(vocab));
    b.add(s);
  }
  return b;
}

}  // namespace r1::test
