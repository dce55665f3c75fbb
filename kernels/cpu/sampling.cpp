#include "kernels/cpu/sampling.h"

#include <algorithm>
#include <cmath>

namespace r1::cpu {

int32_t sample_token(const float* logits, int V, const SamplingSpec& sp, Rng& rng, float* logprob,
                     std::vector<std::pair<float, int32_t>>& p) {
  if (sp.temperature <= 0) {
    int32_t best = static_cast<int32_t>(std::max_element(logits, logits + V) - logits);
    if (logprob) {
      float m = logits[best];
      double s = 0;
      for (int v = 0; v < V; ++v) s += std::exp(static_cast<double>(logits[v] - m));
      *logprob = static_cast<float>(-std::log(s));
    }
    return best;
  }
  const double inv_t = 1.0 / sp.temperature;
  float m = *std::max_element(logits, logits + V);
  p.resize(V);
  double total = 0;
  for (int v = 0; v < V; ++v) {
    double e = std::exp((logits[v] - m) * inv_t);
    p[v] = {static_cast<float>(e), v};
    total += e;
  }
  const double log_total = std::log(total);
  // Truncate to the top-k and nucleus sets (sorted by probability, ties by id for determinism).
  int keep = V;
  if ((sp.top_k > 0 && sp.top_k < V) || sp.top_p < 1.0) {
    auto cmp = [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; };
    int k = sp.top_k > 0 ? std::min(sp.top_k, V) : V;
    std::partial_sort(p.begin(), p.begin() + k, p.end(), cmp);
    keep = k;
    if (sp.top_p < 1.0) {
      double kept_total = 0;
      for (int i = 0; i < k; ++i) kept_total += p[i].first;
      double need = sp.top_p * (sp.top_k > 0 ? kept_total : total), acc = 0;
      for (int i = 0; i < k; ++i) {
        acc += p[i].first;
        if (acc >= need) {
          keep = i + 1;
          break;
        }
      }
    }
  }
  double kept = 0;
  for (int i = 0; i < keep; ++i) kept += p[i].first;
  double u = rng.uniform() * kept, acc = 0;
  int32_t chosen = p[keep - 1].second;
  float chosen_w = p[keep - 1].first;
  for (int i = 0; i < keep; ++i) {
    acc += p[i].first;
    if (u < acc) {
      chosen = p[i].second;
      chosen_w = p[i].first;
      break;
    }
  }
  if (logprob) *logprob = static_cast<float>(std::log(static_cast<double>(chosen_w)) - log_total);
  return chosen;
}

void sample_rows(int32_t* tokens, float* logprobs, const float* logits, int R, int V, const SamplingSpec& sp,
                 Rng* const* rngs) {
  thread_local std::vector<std::pair<float, int32_t>> scratch;
  for (int r = 0; r < R; ++r) {
    tokens[r] = sample_token(logits + static_cast<size_t>(r) * V, V, sp, *rngs[r], logprobs ? logprobs + r : nullptr,
                             scratch);
  }
}

}  // namespace r1::cpu
