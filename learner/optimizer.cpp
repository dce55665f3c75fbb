#include "learner/optimizer.h"

#include "core/safetensors.h"

namespace r1 {

OptimizerConfig OptimizerConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  OptimizerConfig c;
  c.lr = r.get<double>("lr", c.lr);
  c.beta1 = r.get<double>("beta1", c.beta1);
  c.beta2 = r.get<double>("beta2", c.beta2);
  c.eps = r.get<double>("eps", c.eps);
  c.weight_decay = r.get<double>("weight_decay", c.weight_decay);
  c.grad_clip = r.get<double>("grad_clip", c.grad_clip);
  r.check(c.lr > 0, "lr", "must be positive");
  r.check(c.beta1 >= 0 && c.beta1 < 1, "beta1", "must be in [0, 1)");
  r.check(c.beta2 >= 0 && c.beta2 < 1, "beta2", "must be in [0, 1)");
  r.check(c.eps > 0, "eps", "must be positive");
  r.check(c.weight_decay >= 0, "weight_decay", "must be >= 0");
  r.done();
  return c;
}

json OptimizerConfig::to_json() const {
  return {{"lr", lr}, {"beta1", beta1}, {"beta2", beta2}, {"eps", eps}, {"weight_decay", weight_decay},
          {"grad_clip", grad_clip}};
}

AdamW::AdamW(const ParamTable& table, const OptimizerConfig& cfg, const Backend<float>& backend)
    : table_(table), cfg_(cfg), be_(backend), m_(backend.mem), v_(backend.mem) {
  m_.resize(table.total());
  v_.resize(table.total());
}

double AdamW::step(float* params, float* grads, double lr) {
  double norm = be_.ops.clip_global_norm(grads, table_.total(), cfg_.grad_clip);
  ++t_;
  cpu::AdamWHyper h;
  h.lr = lr;
  h.beta1 = cfg_.beta1;
  h.beta2 = cfg_.beta2;
  h.eps = cfg_.eps;
  for (const auto& p : table_.params()) {
    h.weight_decay = p.decay ? cfg_.weight_decay : 0.0;
    be_.ops.adamw_update(params + p.offset, grads + p.offset, m_.data() + p.offset, v_.data() + p.offset, p.numel, h,
                      t_);
  }
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
  if (it == f.metadata().end()) fail(path, ": no 'step' in the metadata (not an optimizer state file?)");
  try {
    t_ = std::stol(it->second);
  } catch (const std::exception&) {
    fail(path, ": metadata 'step' is not a number: '", it->second, "'");
  }
  std::vector<float> host;
  for (const auto& p : table_.params()) {
    host.resize(p.numel);
    f.read_f32(p.name + ".exp_avg", p.shape, host.data());
    m_.upload(host.data(), p.offset, p.numel);
    f.read_f32(p.name + ".exp_avg_sq", p.shape, host.data());
    v_.upload(host.data(), p.offset, p.numel);
  }
}

}  // namespace r1
