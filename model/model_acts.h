// Model<T>'s activation and scratch buffers, shared by model.cpp and the attention files
// (attention_gqa.cpp, attention_mla.cpp). Private to model/.
#pragma once
#include "model/model.h"

namespace r1 {

// Everything one block saves in training (each layer its own) or uses as scratch in inference
// (one set shared by all layers). Shapes use N tokens, C hidden, H query heads, Q = q_dim,
// K = k_dim, V = v_dim, O = o_dim (see ModelConfig), F dense width, E experts, k experts per
// token, Fm expert width, Fs shared-expert width; for MLA also Rq = q_lora_rank and
// Rkv = kv_lora_rank.
template <typename T>
struct Model<T>::LayerActs {
  T* x_in = nullptr;                       // (N, C) residual stream entering the block
  T *ln1 = nullptr, *rstd1 = nullptr;      // (N, C), (N)
  T *q_in = nullptr, *k_in = nullptr;      // GQA: (N, Q), (N, K) q/k before q/k-norm (qk_norm only)
  T *q_rstd = nullptr, *k_rstd = nullptr;  // GQA: (N*H), (N*KVH)
  T *qa = nullptr, *qa_n = nullptr,
    *qa_rstd = nullptr;  // MLA: (N, Rq) latent before/after q_a_layernorm, (N)
  T *ckv = nullptr, *ckv_n = nullptr,
    *ckv_rstd = nullptr;  // MLA: (N, Rkv) latent before/after kv_a_layernorm, (N)
  T *q = nullptr, *k = nullptr,
    *v = nullptr;                    // (N, Q), (N, K), (N, V) attention inputs, RoPE applied
  T *att = nullptr, *lse = nullptr;  // (N, O), (N, H)
  T *x_mid = nullptr, *ln2 = nullptr, *rstd2 = nullptr;        // (N, C), (N, C), (N)
  T *gu = nullptr, *h = nullptr;                               // dense: (N, 2F), (N, F)
  T *r_logits = nullptr, *r_scores = nullptr, *r_w = nullptr;  // (N, E), (N, E), (N, k)
  int32_t* r_idx = nullptr;                                    // (N, k)
  T *xs = nullptr, *gus = nullptr, *hs = nullptr,
    *ys = nullptr;                  // (N*k, C), (N*k, 2Fm), (N*k, Fm), (N*k, C)
  T *sgu = nullptr, *sh = nullptr;  // (N, 2Fs), (N, Fs)
  cpu::DispatchPlan plan;
};

// Buffers that live only within one call. Backward buffers exist only in training.
template <typename T>
struct Model<T>::Scratch {
  T* qkv = nullptr;  // (N, A) the fused input projection: A = Q + 2K (GQA) or QA + Rkv + Dr (MLA)
  T* kvb = nullptr;  // MLA: (N, H*(Dn + Dv)) kv_b_proj output
  T* kpe = nullptr;  // MLA: (N, Dr) the shared rope key
  // MLA with a KV cache (inference): the absorbed query (N, H, Rkv + Dr), the latent key
  // [ckv_n | kpe] (N, Rkv + Dr) and the attention output in latent space (N, H, Rkv).
  T *q_lat = nullptr, *k_lat = nullptr, *att_lat = nullptr;
  T* tmp = nullptr;                                                                   // (N, C)
  T *x0 = nullptr, *x1 = nullptr, *lnf = nullptr, *rstdf = nullptr, *rows = nullptr;  // inference
  T *dx = nullptr, *dln = nullptr, *datt = nullptr;  // (N, C), (N, C), (N, O)
  T *dq = nullptr, *dk = nullptr, *dv = nullptr, *dq_in = nullptr, *dk_in = nullptr,
    *dqkv = nullptr;
  T *dkvb = nullptr, *dlat = nullptr, *dqa = nullptr, *dckv = nullptr, *dkpe = nullptr;  // MLA
  T *dh = nullptr, *dgu = nullptr;                                    // (N, Fmax), (N, 2 Fmax)
  T *dys = nullptr, *dhs = nullptr, *dgus = nullptr, *dxs = nullptr;  // routed rows
  T *dw = nullptr, *dr_logits = nullptr, *dlogits = nullptr;          // (N, k), (N, E), (N, V)
};

// One lane of inference (see forward_cached): the activations of its rows, one set shared by
// all layers, and its inputs in backend memory. Valid during one forward_cached call: the cache
// and block table it attends over.
template <typename T>
struct Model<T>::InferLane {
  Arena arena;
  int cap_n = -1;  // rows planned for
  LayerActs acts;
  Scratch scratch;
  // (N) each: token ids, positions, the cache slot and the attended length of every token, and
  // the rows whose logits are wanted.
  int32_t *tokens = nullptr, *pos = nullptr, *slot = nullptr, *kv_len = nullptr, *rows = nullptr;
  KVCache<T>* cache = nullptr;
  const int32_t* table = nullptr;  // the cache's block table, in backend memory
  DecodeGraphs graphs;             // this lane's decode steps, recorded (model/decode_graphs.h)
};

}  // namespace r1
