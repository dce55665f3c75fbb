#include "learner/update_step.h"

namespace r1 {

UpdateStepResult update_step(Model<float>& model, AdamW& opt, const PackedBatch& batch,
                             double temperature, double lr, double bias_gamma,
                             const TokenLoss& loss) {
  const size_t n = static_cast<size_t>(batch.num_tokens());
  std::vector<float> logp(n), dlogp(n, 0.0f);
  model.zero_grad();
  model.forward(batch, logp.data(), temperature);
  loss(logp, dlogp);
  model.backward(dlogp.data());
  UpdateStepResult r;
  r.grad_norm = opt.step(model.params(), model.grads(), lr);
  // The load of this step's routing, read before the bias update resets it.
  r.expert_load = model.expert_load();
  r.load_imbalance = model.load_imbalance();
  if (bias_gamma > 0) {
    model.update_expert_bias(bias_gamma);
  } else {
    model.reset_expert_load();
  }
  return r;
}

}  // namespace r1
