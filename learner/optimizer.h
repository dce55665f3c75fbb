// AdamW over the model's flat parameter buffer. Moments share the parameter table's layout and
// live in the backend's memory, where the update runs (the model's backend: params and grads
// are its pointers); weight decay applies only to tensors marked `decay` (matrices and
// embeddings, not norms or biases). Gradients are clipped by their global norm before the update.
#pragma once
#include <string>

#include "core/config_fields.h"
#include "core/json.h"
#include "kernels/backend.h"
#include "model/param_table.h"

namespace r1 {

struct OptimizerConfig : FieldListed<OptimizerConfig> {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double weight_decay = 0.0;
  double grad_clip = 1.0;                                // max global norm; <= 0 disables clipping
  static const ConfigFields<OptimizerConfig>& fields();  // name, default, check, help of each field
};

class AdamW {
 public:
  AdamW(const ParamTable& table, const OptimizerConfig& cfg,
        const Backend<float>& backend = cpu_backend<float>());

  // Clips grads in place, updates params with learning rate `lr`, and returns the global
  // gradient norm before clipping.
  double step(float* params, float* grads, double lr);
  long steps() const { return t_; }
  const OptimizerConfig& config() const { return cfg_; }

  // optimizer.safetensors: the moments under the parameter names ("<name>.exp_avg",
  // "<name>.exp_avg_sq") and the step count in the metadata.
  void save(const std::string& path) const;
  void load(const std::string& path);

 private:
  const ParamTable& table_;
  OptimizerConfig cfg_;
  const Backend<float>& be_;
  DeviceBuffer<float> m_, v_;
  long t_ = 0;
};

}  // namespace r1
