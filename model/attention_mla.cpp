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
//
// With a KV cache (inference) kv_b_proj is absorbed instead (DeepSeek-V3's decode): its key
// half W_UK_h (Dn, Rkv) and value half W_UV_h (Dv, Rkv) per head give, for ckv_n = the normed
// latent,
//   q_h . k_h = [q_h[:Dn] W_UK_h | q_h[Dn:]] . [ckv_n | k_pe]       (Rkv + Dr)
//   out_h     = (sum_j p_j ckv_n,j) W_UV_h^T
// so the cache holds [ckv_n | k_pe] and ckv_n once per token for all heads, and attention runs
// with one key/value head of sizes Rkv + Dr and Rkv, at the same scale. Same numbers as the
// expanded form up to rounding (KV-cache tests compare the two).
// q_a_layernorm and kv_a_layernorm use eps 1e-6 whatever rms_norm_eps says: transformers builds
// them with its RMSNorm default.
#include "model/model_acts.h"

namespace r1 {

namespace {
constexpr double kLatentNormEps = 1e-6;
}

// The query (la.q, RoPE applied), the normed latent (la.ckv_n) and the rope key (s.kpe).
template <typename T>
void Model<T>::mla_latent(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N,
                          bool infer) {
  const ModelConfig& c = cfg_;
  const LayerParams& lp = table_.layer(l);
  const T* W = params_.data();
  const int C = c.hidden_size, H = c.num_attention_heads, Dn = c.qk_nope_head_dim,
            Dr = c.qk_rope_head_dim, Dqk = Dn + Dr, Rq = c.q_lora_rank, Rkv = c.kv_lora_rank;
  const int QA = Rq > 0 ? Rq : H * Dqk, A = QA + Rkv + Dr;
  linear(s.qkv, la.ln1, lp.qkv, nullptr, N, C, A, infer);
  op_.split3(Rq > 0 ? la.qa : la.q, QA, la.ckv, Rkv, s.kpe, Dr, s.qkv, N);
  const T eps = static_cast<T>(kLatentNormEps);
  if (Rq > 0) {
    op_.rmsnorm_forward(la.qa_n, la.qa_rstd, la.qa, W + lp.q_a_norm, N, Rq, eps);
    linear(la.q, la.qa_n, lp.q_b, nullptr, N, Rq, H * Dqk, infer);
  }
  op_.rmsnorm_forward(la.ckv_n, la.ckv_rstd, la.ckv, W + lp.kv_a_norm, N, Rkv, eps);
  rope(la.q + Dn, positions, N, H, Dr, cpu::RopeLayout{Dqk, c.rope_interleave});
  rope(s.kpe, positions, N, 1, Dr, cpu::RopeLayout{Dr, c.rope_interleave});
}

template <typename T>
void Model<T>::mla_project(int l, LayerActs& la, Scratch& s, const int32_t* positions, int N) {
  const ModelConfig& c = cfg_;
  const int H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim,
            Dv = c.v_head_dim, Rkv = c.kv_lora_rank;
  mla_latent(l, la, s, positions, N, false);
  op_.linear_forward(s.kvb, la.ckv_n, params_.data() + table_.layer(l).kv_b, (const T*)nullptr, N,
                     Rkv, H * (Dn + Dv));
  // Expand into per-head keys and values.
  op_.mla_expand_kv(la.k, la.v, s.kvb, s.kpe, N, H, Dn, Dr, Dv);
}

// Attention of N tokens over the latent cache (see the top of this file): absorbed query, one
// key/value head, output brought back from latent space per head. Writes la.att (N, H * Dv).
template <typename T>
void Model<T>::mla_attention_cached(int l, LayerActs& la, InferLane& lane, const int32_t* positions,
                                    int N) {
  const ModelConfig& c = cfg_;
  Scratch& s = lane.scratch;
  KVCache<T>& cache = *lane.cache;
  const int H = c.num_attention_heads, Dn = c.qk_nope_head_dim, Dr = c.qk_rope_head_dim,
            Dv = c.v_head_dim, Dqk = Dn + Dr, Rkv = c.kv_lora_rank, Dl = Rkv + Dr;
  mla_latent(l, la, s, positions, N, true);
  // kv_b_proj (H * (Dn + Dv), Rkv): head h's key rows, then its value rows (packed once for
  // decode while decode weights are held).
  for (int h = 0; h < H; ++h) {
    // q_lat_h (N, Rkv) = q_h[:Dn] (N, Dn) W_UK_h (Dn, Rkv)
    if (const T* wp = packed_weight(mla_w_uk(l, h), Dn, Rkv)) {
      op_.linear_forward_packed(s.q_lat + h * Dl, H * Dl, la.q + h * Dqk, H * Dqk, wp, nullptr, N,
                                Dn, Rkv, false);
    } else {
      op_.gemm(false, false, N, Rkv, Dn, T(1), la.q + h * Dqk, H * Dqk,
               params_.data() + mla_w_uk(l, h), Rkv, T(0), s.q_lat + h * Dl, H * Dl);
    }
  }
  op_.copy_2d(s.q_lat + Rkv, Dl, la.q + Dn, Dqk, N * H, Dr);  // each head's roped part
  op_.concat3(s.k_lat, la.ckv_n, Rkv, s.kpe, Dr, s.kpe, 0, N);
  op_.kv_cache_write(cache.k_pool(l), cache.v_pool(l), s.k_lat, la.ckv_n, lane.table,
                     cache.max_blocks(), cache.block_size(), lane.slot, positions, N, Dl, 0);
  // The latent row is the key and, in its first Rkv values, the value: read once, stored once.
  op_.attention_paged_forward(s.att_lat, s.q_lat, cache.k_pool(l), cache.k_pool(l), Dl, lane.table,
                              cache.max_blocks(), cache.block_size(), lane.slot, lane.kv_len, N, H,
                              1, Dl, Rkv, attention_scale());
  for (int h = 0; h < H; ++h) {
    // att_h (N, Dv) = att_lat_h (N, Rkv) W_UV_h^T
    if (const T* wp = packed_weight(mla_w_uv(l, h), Rkv, Dv)) {
      op_.linear_forward_packed(la.att + h * Dv, H * Dv, s.att_lat + h * Rkv, H * Rkv, wp, nullptr,
                                N, Rkv, Dv, false);
    } else {
      op_.gemm(false, true, N, Dv, Rkv, T(1), s.att_lat + h * Rkv, H * Rkv,
               params_.data() + mla_w_uv(l, h), Rkv, T(0), la.att + h * Dv, H * Dv);
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
  const int C = c.hidden_size, H = c.num_attention_heads, Dn = c.qk_nope_head_dim,
            Dr = c.qk_rope_head_dim, Dv = c.v_head_dim, Dqk = Dn + Dr, Rq = c.q_lora_rank,
            Rkv = c.kv_lora_rank;
  const int QA = Rq > 0 ? Rq : H * Dqk, A = QA + Rkv + Dr;
  rope_backward(s.dq + Dn, pos_, N, H, Dr, cpu::RopeLayout{Dqk, c.rope_interleave});
  // Per head, dk splits into the nope part (from kv_b_proj) and the rope part, whose heads all
  // share one k_pe: its gradient is their sum.
  op_.mla_expand_kv_backward(s.dkvb, s.dkpe, s.dk, s.dv, N, H, Dn, Dr, Dv);
  rope_backward(s.dkpe, pos_, N, 1, Dr, cpu::RopeLayout{Dr, c.rope_interleave});
  op_.linear_backward(s.dlat, G + lp.kv_b, (T*)nullptr, s.dkvb, la.ckv_n, W + lp.kv_b, N, Rkv,
                      H * (Dn + Dv), false);
  op_.rmsnorm_backward(s.dckv, G + lp.kv_a_norm, s.dlat, la.ckv, W + lp.kv_a_norm, la.ckv_rstd, N,
                       Rkv, false);
  const T* dqa = s.dq;  // gradient of the first QA columns of the fused projection
  if (Rq > 0) {
    op_.linear_backward(s.dlat, G + lp.q_b, (T*)nullptr, s.dq, la.qa_n, W + lp.q_b, N, Rq, H * Dqk,
                        false);
    op_.rmsnorm_backward(s.dqa, G + lp.q_a_norm, s.dlat, la.qa, W + lp.q_a_norm, la.qa_rstd, N, Rq,
                         false);
    dqa = s.dqa;
  }
  op_.concat3(s.dqkv, dqa, QA, s.dckv, Rkv, s.dkpe, Dr, N);
  op_.linear_backward(dln1, G + lp.qkv, (T*)nullptr, s.dqkv, la.ln1, W + lp.qkv, N, C, A, false);
}

// Model<T> is instantiated in model.cpp; these members are defined here.
#define R1_INSTANTIATE(T)                                                                         \
  template void Model<T>::mla_latent(int, LayerActs&, Scratch&, const int32_t*, int, bool);       \
  template void Model<T>::mla_project(int, LayerActs&, Scratch&, const int32_t*, int);            \
  template void Model<T>::mla_attention_cached(int, LayerActs&, InferLane&, const int32_t*, int); \
  template void Model<T>::mla_project_backward(int, LayerActs&, T*, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1
