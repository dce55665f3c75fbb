// Causal grouped-query attention over a packed batch of sequences of different lengths.
// Sequence s owns tokens [cu_seqlens[s], cu_seqlens[s+1]) of the packed arrays; a token attends
// to itself and earlier tokens of its own sequence only. H query heads share KVH key/value
// heads (H % KVH == 0; head h uses kv head h / (H / KVH)).
//   q (N, H, Dqk), k (N, KVH, Dqk), v (N, KVH, Dv) -> out (N, H, Dv), lse (N, H)
// Queries and keys share one head size Dqk; values may have another, Dv: Multi-head Latent
// Attention (DeepSeek-V3) scores with Dqk = nope + rope dims but mixes values of v_head_dim.
// Forward saves only the log-sum-exp of each score row; backward recomputes the probabilities
// from it (as FlashAttention does) instead of storing (L, L) matrices.
#pragma once
#include <cstdint>

namespace r1::cpu {

template <typename T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v, const int32_t* cu_seqlens, int S,
                       int H, int KVH, int Dqk, int Dv, T scale);

// Writes dq, dk, dv (not accumulated).
template <typename T>
void attention_backward(T* dq, T* dk, T* dv, const T* dout, const T* out, const T* lse, const T* q, const T* k,
                        const T* v, const int32_t* cu_seqlens, int S, int H, int KVH, int Dqk, int Dv, T scale);

// Attention of N query tokens against cached keys/values (decode and prefill with a KV cache).
// Token n attends to rows [0, kv_len[n]) of its cache: row j of keys starts at
// k_rows[n] + j * KVH * Dqk, row j of values at v_rows[n] + j * KVH * Dv. Each token's own
// key/value must already be written to its cache row. q (N, H, Dqk) -> out (N, H, Dv).
template <typename T>
void attention_cached_forward(T* out, const T* q, const T* const* k_rows, const T* const* v_rows,
                              const int32_t* kv_len, int N, int H, int KVH, int Dqk, int Dv, T scale);

}  // namespace r1::cpu
