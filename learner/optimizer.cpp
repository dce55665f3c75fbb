#include "learner/optimizer.h"

#include <cmath>

#include "core/error.h"
#include "core/safetensors.h"

namespace r1 {

const ConfigFields<OptimizerConfig>& OptimizerConfig::fields() {
  using C = OptimizerConfig;
  auto unit = [](double v) { return v >= 0 && v < 1; };
  static const auto f =
      ConfigFields<C>("optimizer")
          .add("lr", &C::lr, "peak learning rate (the schedule scales it)",
               must<double>([](double v) { return v > 0; }, "must be positive"))
          .add("beta1", &C::beta1, "AdamW first-moment decay",
               must<double>(unit, "must be in [0, 1)"))
          .add("beta2", &C::beta2, "AdamW second-moment decay",
               must<double>(unit, "must be in [0, 1)"))
          .add("eps", &C::eps, "AdamW denominator term",
               must<double>([](double v) { return v > 0; }, "must be positive"))
          .add("weight_decay", &C::weight_decay,
               "decoupled weight decay, on matrices and embeddings only",
               must<double>([](double v) { return v >= 0; }, "must be >= 0"))
          .add("grad_clip", &C::grad_clip, "max global gradient norm; <= 0 disables clipping");
  return f;
}

AdamW::AdamW(const ParamTable& table, const OptimizerConfig& cfg, const Backend<float>& backend)
    : table_(table), cfg_(cfg), be_(backend), m_(backend.mem), v_(backend.mem) {
  m_.resize(table.total());
  v_.resize(table.total());
}

double AdamW::step(float* params, float* grads, double lr) {
  double norm = be_.ops.clip_global_norm(grads, table_.total(), cfg_.grad_clip);
  // A step from a gradient or to weights that are not finite would leave a model that computes
  // nothing, saved as a run's next checkpoint and final model: the run stops instead, with its
  // last checkpoint as it was.
  if (!std::isfinite(norm))
    fail("optimizer step ", t_ + 1, ": the gradient is not finite (global norm ", norm,
         "); the weights were not updated. Lower optimizer.lr, or look for a broken batch");
  ++t_;
  cpu::AdamWHyper h;
  h.lr = lr;
  h.beta1 = cfg_.beta1;
  h.beta2 = cfg_.beta2;
  h.eps = cfg_.eps;
  for (const auto& p : table_.params()) {
    h.weight_decay = p.decay ? cfg_.weight_decay : 0.0;
    be_.ops.adamw_update(params + p.offset, grads + p.offset, m_.data() + p.offset,
                         v_.data() + p.offset, p.numel, h, t_);
  }
  // One pass over the weights (the global norm's reduction), small beside a training step.
  const double weights = be_.ops.clip_global_norm(params, table_.total(), 0.0);
  if (!std::isfinite(weights))
    fail("optimizer step ", t_, ": the weights are not finite after the update (lr ", lr,
         ", weight_decay ", cfg_.weight_decay, "); lower optimizer.lr or weight_decay");
  return norm;
}

void AdamW::save(const std::string& path) const {
  SafetensorsWriter w;
  w.set_metadata("step", std::to_string(t_));
  // The writer keeps pointers until write(): host copies of both moments.
  std::vector<float> m(m_.size()), v(v_.size());
  m_.download(m.data(), 0, m.size());
  v_.download(v.data(), 0, v.size());
  for (const auto& p : table_.params()) {
    w.add_f32(p.name + ".exp_avg", p.shape, m.data() + p.offset);
    w.add_f32(p.name + ".exp_avg_sq", p.shape, v.data() + p.offset);
  }
  w.write(path);
}

void AdamW::load(const std::string& path) {
  SafetensorsFile f(path);
  auto it = f.metadata().find("step");
  if (it == f.metadata().end())
    fail(path, ": no 'step' in the metadata (not an optimizer state file?)");
  try {
    t_ = std::stol(it->second);
  } catch (const std::exception&) {
    fail(path, ": metadata 'step' is not a number: '", it->second, "'");
  }
  std::vector<float> host;
  for (const auto& p : table_.params()) {
    host.resize(p.numel);
    for (auto [moment, into] : {std::pair{".exp_avg", &m_}, std::pair{".exp_avg_sq", &v_}}) {
      f.read_f32(p.name + moment, p.shape, host.data());
      // A moment that is not finite would make every later step's weights so.
      check_finite_tensor(path, p.name + moment, host.data(), p.numel);
      into->upload(host.data(), p.offset, p.numel);
    }
  }
  if (t_ < 0) fail(path, ": metadata 'step' is ", t_, ", below 0");
}

}  // namespace r1
