// One optimizer step on a packed batch, shared by GRPO and SFT: forward (log-probs at a
// temperature), the caller's loss, backward, global-norm clipping and AdamW, then the routed
// experts' balancing bias. The two trainers differ only in their loss.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "learner/optimizer.h"
#include "model/model.h"

namespace r1 {

struct UpdateStepResult {
  double grad_norm = 0;       // global gradient norm before clipping
  double load_imbalance = 0;  // of this step's routing (max over mean expert load)
  std::vector<std::vector<int64_t>> expert_load;  // tokens per expert per MoE layer, this step
};

// loss(logp, dlogp): logp (N) holds the model's log-prob of each token of `batch` at
// `temperature`; the loss writes d loss / d logp into dlogp (N, zeroed). It may read the
// model's state of this forward (e.g. token_entropy) and may throw to abandon the step before
// any weight changes. bias_gamma > 0 nudges the experts' bias toward balance (aux-loss-free);
// otherwise the load counters are reset.
using TokenLoss = std::function<void(const std::vector<float>& logp, std::vector<float>& dlogp)>;
UpdateStepResult update_step(Model<float>& model, AdamW& opt, const PackedBatch& batch,
                             double temperature, double lr, double bias_gamma,
                             const TokenLoss& loss);

}  // namespace r1
