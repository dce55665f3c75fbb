// Shared helpers for model tests: config paths and small random batches.
#pragma once
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/model.h"

namespace r1::test {

inline std::string repo_path(const std::string& rel) { return std::string(R1_SOURCE_DIR) + "/" + rel; }

// tiny-moe: DeepSeek-V3 layout with Multi-head Latent Attention.
inline ModelConfig tiny_config() { return ModelConfig::load(repo_path("configs/models/tiny-moe.json")); }

// tiny-moe's sizes with grouped-query attention instead (4 query heads sharing 2 kv heads of
// 8 dims) in the Qwen3-MoE layout: q/k-norm, softmax routing, no shared expert, no selection bias.
inline ModelConfig tiny_gqa_config() {
  ModelConfig c = tiny_config();
  c.model_type = "qwen3_moe";
  c.q_lora_rank = c.kv_lora_rank = c.qk_nope_head_dim = c.qk_rope_head_dim = c.v_head_dim = 0;
  c.rope_interleave = false;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  c.qk_norm = true;
  c.scoring_func = "softmax";
  c.n_shared_experts = 0;
  c.first_k_dense_replace = 0;
  c.mlp_only_layers = {0};
  c.validate("tiny_gqa_config");
  return c;
}

// tiny-moe whose LM head is zero: every next token is equally likely, so a sampled completion
// draws any given token (an end of turn, an end of sequence) often, and a request's tokens still
// depend only on its RNG stream.
inline std::unique_ptr<Model<float>> uniform_tiny_model() {
  const ModelConfig c = tiny_config();
  auto model = std::make_unique<Model<float>>(c);
  model->init_weights(3);
  std::fill_n(model->param("lm_head.weight"), static_cast<size_t>(c.vocab_size) * c.hidden_size,
              0.0f);
  return model;
}

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

// For finite differences through a MoE model: whether nudging x[i] by +-1e-5 changes the routing
// from `routing0` (the loss is not differentiable there, so the entry is skipped and counted in
// `skipped`). `loss` writes x into the model and runs the forward pass.
template <typename T>
std::function<bool(size_t)> routing_flip_probe(const Model<T>& m, std::vector<double>& x,
                                               const std::function<double()>& loss,
                                               const std::vector<int32_t>& routing0, int& skipped) {
  return [&m, &x, loss, &routing0, &skipped](size_t i) {
    bool changed = false;
    for (double h : {1e-5, -1e-5}) {
      double o = x[i];
      x[i] = o + h;
      loss();
      changed |= m.last_routing() != routing0;
      x[i] = o;
    }
    loss();
    skipped += changed;
    return changed;
  };
}

}  // namespace r1::test
