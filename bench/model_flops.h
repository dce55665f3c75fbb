// FLOP counts of the model, for benchmarks' achieved-rate figures (bench/bench_model.cpp,
// bench/cuda/bench_cuda_main.cpp).
#pragma once
#include <cstddef>

#include "model/config.h"

namespace r1 {

// Forward FLOPs for one sequence of length T (all positions).
inline double forward_flops_per_seq(const ModelConfig& c, int T) {
  const double C = c.hidden_size, Q = c.q_dim(), V = c.vocab_size, H = c.num_attention_heads;
  // Projections into attention and out of it: GQA's fused q/k/v; MLA's q (or q_a then q_b),
  // kv_a_proj_with_mqa and kv_b_proj.
  double attn_proj = 2 * C * (Q + 2 * c.k_dim()) + 2 * c.o_dim() * C;
  if (c.mla()) {
    const double Rq = c.q_lora_rank, Rkv = c.kv_lora_rank;
    attn_proj = 2 * C * (Rq > 0 ? Rq : Q) + (Rq > 0 ? 2 * Rq * Q : 0) + 2 * C * (Rkv + c.qk_rope_head_dim) +
                2 * Rkv * H * (c.qk_nope_head_dim + c.v_head_dim) + 2 * c.o_dim() * C;
  }
  double per_token = 0;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    per_token += attn_proj;
    if (c.is_moe_layer(l)) {
      per_token += 2 * C * c.n_routed_experts;
      per_token += c.num_experts_per_tok * 2 * 3 * C * c.moe_intermediate_size;
      per_token += 2 * 3 * C * c.shared_intermediate();
    } else {
      per_token += 2 * 3 * C * c.intermediate_size;
    }
  }
  per_token += 2 * C * V;
  // Attention: QK^T and PV, 2 * H * Dqk and 2 * H * Dv flops per visible key; position i sees
  // i + 1 keys.
  double keys = T * (T + 1) / 2.0;
  double attn = c.num_hidden_layers * 2.0 * H * (c.qk_head_size() + c.v_head_size()) * keys;
  return per_token * T + attn;
}

// Parameters a token touches: all but the unselected routed experts (`total`: every parameter).
inline size_t active_params(const ModelConfig& c, size_t total) {
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    if (c.is_moe_layer(l)) {
      total -= static_cast<size_t>(c.n_routed_experts - c.num_experts_per_tok) * 3 * c.hidden_size *
               c.moe_intermediate_size;
    }
  }
  return total;
}

}  // namespace r1
