// Grouped-query attention's projections (Qwen2, Qwen3, Qwen3-MoE, r1_moe): one fused GEMM for
// q, k and v (their weights are adjacent in the parameter table), optional biases, optional
// per-head q/k RMSNorm, then rotate-half RoPE on every head.
#include "model/model_acts.h"

namespace r1 {

template <typename T>
void Model<T>::gqa_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N,
                           bool infer) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  const int C = c.hidden_size, Q = c.q_dim(), KV = c.k_dim(), H = c.num_attention_heads,
            KVH = c.num_key_value_heads, D = c.head_dim, QKV = Q + 2 * KV;
  linear(s.qkv, la.ln1, lp.qkv, c.attention_bias ? W + lp.qkv_bias : nullptr, N, C, QKV, infer);
  // Split into contiguous arrays.
  op_.split3(c.qk_norm ? la.q_in : la.q, Q, c.qk_norm ? la.k_in : la.k, KV, la.v, KV, s.qkv, N);
  if (c.qk_norm) {
    const T eps = static_cast<T>(c.rms_norm_eps);
    op_.rmsnorm_forward(la.q, la.q_rstd, la.q_in, W + lp.q_norm, N * H, D, eps);
    op_.rmsnorm_forward(la.k, la.k_rstd, la.k_in, W + lp.k_norm, N * KVH, D, eps);
  }
  rope(la.q, positions, N, H, D);
  rope(la.k, positions, N, KVH, D);
}

template <typename T>
void Model<T>::gqa_project_backward(int l, LayerActs& la, T* dln1, int N) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  const int C = c.hidden_size, Q = c.q_dim(), KV = c.k_dim(), H = c.num_attention_heads,
            KVH = c.num_key_value_heads, D = c.head_dim, QKV = Q + 2 * KV;
  rope_backward(s.dq, pos_, N, H, D);
  rope_backward(s.dk, pos_, N, KVH, D);
  const T* dq = s.dq;
  const T* dk = s.dk;
  if (c.qk_norm) {
    op_.rmsnorm_backward(s.dq_in, G + lp.q_norm, s.dq, la.q_in, W + lp.q_norm, la.q_rstd, N * H, D, false);
    op_.rmsnorm_backward(s.dk_in, G + lp.k_norm, s.dk, la.k_in, W + lp.k_norm, la.k_rstd, N * KVH, D, false);
    dq = s.dq_in;
    dk = s.dk_in;
  }
  op_.concat3(s.dqkv, dq, Q, dk, KV, s.dv, KV, N);
  op_.linear_backward(dln1, G + lp.qkv, c.attention_bias ? G + lp.qkv_bias : (T*)nullptr, s.dqkv, la.ln1, W + lp.qkv, N,
                  C, QKV, false);
}

// Model<T> is instantiated in model.cpp; these members are defined here.
#define R1_INSTANTIATE(T)                                                                    \
  template void Model<T>::gqa_project(int, LayerActs&, Scratch&, const int32_t*, int, bool); \
  template void Model<T>::gqa_project_backward(int, LayerActs&, T*, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1
