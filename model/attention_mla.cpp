// Multi-head Latent Attention (DeepSeek-V3), as transformers' DeepseekV3Attention computes it:
//   [q | kv_a] = ln1 @ [q_proj or q_a_proj ; kv_a_proj_with_mqa]^T      one fused GEMM
//   q      = q_proj(x), or q_b_proj(q_a_layernorm(q_a_proj(x)))        (N, H, Dn + Dr)
//   kv_a   = [ckv (Rkv) | k_pe (Dr)]
//   kvb    = kv_b_proj(kv_a_layernorm(ckv))                            (N, H, Dn + Dv)
//   k_h    = [kvb_h[:Dn] | rope(k_pe)]  (one rope key shared by every head)
//   v_h    = kvb_h[Dn:]
//   q_h    = [q_h[:Dn] | rope(q_h[Dn:])]
// then attention with H key/value heads, head sizes Dqk = Dn + Dr and Dv, softmax scale
// Dqk^-0.5. RoPE covers only the Dr rope dims, in pairs (2i, 2i+1) when rope_interleave.
// q_a_layernorm and kv_a_layernorm use eps 1e-6 whatever rms_norm_eps says: transformers builds
// them with its RMSNorm default.
#include <cstring>

#include "kernels/ops.h"
#include "model/model_acts.h"

namespace r1 {

using namespace r1::cpu;

namespace {
constexpr double kLatentNormEps = 1e-6;
}

template <typename T>
void Model<T>::mla_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  const int C = c.hidden_size, H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim,
            Dv = c.v_head_dim, Dqk = Dn + Dr, Rq = c.q_lora_rank, Rkv = c.kv_lora_rank;
  const int QA = Rq > 0 ? Rq : H * Dqk, A = QA + Rkv + Dr;
  linear_forward(s.qkv, la.ln1, W + lp.qkv, (const T*)nullptr, N, C, A);
  T* qdst = Rq > 0 ? la.qa : la.q;
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    const T* row = s.qkv + static_cast<size_t>(n) * A;
    std::memcpy(qdst + static_cast<size_t>(n) * QA, row, sizeof(T) * QA);
    std::memcpy(la.ckv + static_cast<size_t>(n) * Rkv, row + QA, sizeof(T) * Rkv);
    std::memcpy(s.kpe + static_cast<size_t>(n) * Dr, row + QA + Rkv, sizeof(T) * Dr);
  }
  const T eps = static_cast<T>(kLatentNormEps);
  if (Rq > 0) {
    rmsnorm_forward(la.qa_n, la.qa_rstd, la.qa, W + lp.q_a_norm, N, Rq, eps);
    linear_forward(la.q, la.qa_n, W + lp.q_b, (const T*)nullptr, N, Rq, H * Dqk);
  }
  rmsnorm_forward(la.ckv_n, la.ckv_rstd, la.ckv, W + lp.kv_a_norm, N, Rkv, eps);
  linear_forward(s.kvb, la.ckv_n, W + lp.kv_b, (const T*)nullptr, N, Rkv, H * (Dn + Dv));
  rope_forward(la.q + Dn, positions, N, H, Dr, rope_, RopeLayout{Dqk, c.rope_interleave});
  rope_forward(s.kpe, positions, N, 1, Dr, rope_, RopeLayout{Dr, c.rope_interleave});
  // Expand into per-head keys and values.
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    const T* pe = s.kpe + static_cast<size_t>(n) * Dr;
    for (int h = 0; h < H; ++h) {
      const size_t nh = static_cast<size_t>(n) * H + h;
      const T* src = s.kvb + nh * (Dn + Dv);
      T* kd = la.k + nh * Dqk;
      std::memcpy(kd, src, sizeof(T) * Dn);
      std::memcpy(kd + Dn, pe, sizeof(T) * Dr);
      std::memcpy(la.v + nh * Dv, src + Dn, sizeof(T) * Dv);
    }
  }
}

template <typename T>
void Model<T>::mla_project_backward(int l, LayerActs& la, T* dln1, int N) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  T* G = grads_.data();
  Scratch& s = *scratch_;
  const int C = c.hidden_size, H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim,
            Dv = c.v_head_dim, Dqk = Dn + Dr, Rq = c.q_lora_rank, Rkv = c.kv_lora_rank;
  const int QA = Rq > 0 ? Rq : H * Dqk, A = QA + Rkv + Dr;
  rope_backward(s.dq + Dn, pos_.data(), N, H, Dr, rope_, RopeLayout{Dqk, c.rope_interleave});
  // Per head, dk splits into the nope part (from kv_b_proj) and the rope part, whose heads all
  // share one k_pe: its gradient is their sum.
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    T* dpe = s.dkpe + static_cast<size_t>(n) * Dr;
    std::memset(dpe, 0, sizeof(T) * Dr);
    for (int h = 0; h < H; ++h) {
      const size_t nh = static_cast<size_t>(n) * H + h;
      const T* dk = s.dk + nh * Dqk;
      T* dst = s.dkvb + nh * (Dn + Dv);
      std::memcpy(dst, dk, sizeof(T) * Dn);
      std::memcpy(dst + Dn, s.dv + nh * Dv, sizeof(T) * Dv);
      for (int i = 0; i < Dr; ++i) dpe[i] += dk[Dn + i];
    }
  }
  rope_backward(s.dkpe, pos_.data(), N, 1, Dr, rope_, RopeLayout{Dr, c.rope_interleave});
  linear_backward(s.dlat, G + lp.kv_b, (T*)nullptr, s.dkvb, la.ckv_n, W + lp.kv_b, N, Rkv, H * (Dn + Dv), false);
  rmsnorm_backward(s.dckv, G + lp.kv_a_norm, s.dlat, la.ckv, W + lp.kv_a_norm, la.ckv_rstd, N, Rkv, false);
  const T* dqa = s.dq;  // gradient of the first QA columns of the fused projection
  if (Rq > 0) {
    linear_backward(s.dlat, G + lp.q_b, (T*)nullptr, s.dq, la.qa_n, W + lp.q_b, N, Rq, H * Dqk, false);
    rmsnorm_backward(s.dqa, G + lp.q_a_norm, s.dlat, la.qa, W + lp.q_a_norm, la.qa_rstd, N, Rq, false);
    dqa = s.dqa;
  }
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    T* row = s.dqkv + static_cast<size_t>(n) * A;
    std::memcpy(row, dqa + static_cast<size_t>(n) * QA, sizeof(T) * QA);
    std::memcpy(row + QA, s.dckv + static_cast<size_t>(n) * Rkv, sizeof(T) * Rkv);
    std::memcpy(row + QA + Rkv, s.dkpe + static_cast<size_t>(n) * Dr, sizeof(T) * Dr);
  }
  linear_backward(dln1, G + lp.qkv, (T*)nullptr, s.dqkv, la.ln1, W + lp.qkv, N, C, A, false);
}

// Model<T> is instantiated in model.cpp; these members are defined here.
#define R1_INSTANTIATE(T)                                                                           \
  template void Model<T>::mla_project(int, LayerActs&, Scratch&, const int32_t*, int);              \
  template void Model<T>::mla_project_backward(int, LayerActs&, T*, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1
