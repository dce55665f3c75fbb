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
#include "model/model_acts.h"

namespace r1 {

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
  op_.linear_forward(s.qkv, la.ln1, W + lp.qkv, (const T*)nullptr, N, C, A);
  op_.split3(Rq > 0 ? la.qa : la.q, QA, la.ckv, Rkv, s.kpe, Dr, s.qkv, N);
  const T eps = static_cast<T>(kLatentNormEps);
  if (Rq > 0) {
    op_.rmsnorm_forward(la.qa_n, la.qa_rstd, la.qa, W + lp.q_a_norm, N, Rq, eps);
    op_.linear_forward(la.q, la.qa_n, W + lp.q_b, (const T*)nullptr, N, Rq, H * Dqk);
  }
  op_.rmsnorm_forward(la.ckv_n, la.ckv_rstd, la.ckv, W + lp.kv_a_norm, N, Rkv, eps);
  op_.linear_forward(s.kvb, la.ckv_n, W + lp.kv_b, (const T*)nullptr, N, Rkv, H * (Dn + Dv));
  rope(la.q + Dn, positions, N, H, Dr, cpu::RopeLayout{Dqk, c.rope_interleave});
  rope(s.kpe, positions, N, 1, Dr, cpu::RopeLayout{Dr, c.rope_interleave});
  // Expand into per-head keys and values.
  op_.mla_expand_kv(la.k, la.v, s.kvb, s.kpe, N, H, Dn, Dr, Dv);
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
  rope_backward(s.dq + Dn, pos_, N, H, Dr, cpu::RopeLayout{Dqk, c.rope_interleave});
  // Per head, dk splits into the nope part (from kv_b_proj) and the rope part, whose heads all
  // share one k_pe: its gradient is their sum.
  op_.mla_expand_kv_backward(s.dkvb, s.dkpe, s.dk, s.dv, N, H, Dn, Dr, Dv);
  rope_backward(s.dkpe, pos_, N, 1, Dr, cpu::RopeLayout{Dr, c.rope_interleave});
  op_.linear_backward(s.dlat, G + lp.kv_b, (T*)nullptr, s.dkvb, la.ckv_n, W + lp.kv_b, N, Rkv, H * (Dn + Dv), false);
  op_.rmsnorm_backward(s.dckv, G + lp.kv_a_norm, s.dlat, la.ckv, W + lp.kv_a_norm, la.ckv_rstd, N, Rkv, false);
  const T* dqa = s.dq;  // gradient of the first QA columns of the fused projection
  if (Rq > 0) {
    op_.linear_backward(s.dlat, G + lp.q_b, (T*)nullptr, s.dq, la.qa_n, W + lp.q_b, N, Rq, H * Dqk, false);
    op_.rmsnorm_backward(s.dqa, G + lp.q_a_norm, s.dlat, la.qa, W + lp.q_a_norm, la.qa_rstd, N, Rq, false);
    dqa = s.dqa;
  }
  op_.concat3(s.dqkv, dqa, QA, s.dckv, Rkv, s.dkpe, Dr, N);
  op_.linear_backward(dln1, G + lp.qkv, (T*)nullptr, s.dqkv, la.ln1, W + lp.qkv, N, C, A, false);
}

// Model<T> is instantiated in model.cpp; these members are defined here.
#define R1_INSTANTIATE(T)                                                                           \
  template void Model<T>::mla_project(int, LayerActs&, Scratch&, const int32_t*, int);              \
  template void Model<T>::mla_project_backward(int, LayerActs&, T*, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1
