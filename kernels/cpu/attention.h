// Causal grouped-query attention over a packed batch of sequences of different lengths.
// Sequence s owns tokens [cu_seqlens[s], cu_seqlens[s+1]) of the packed arrays; a token attends
// to itself and earlier tokens of its own sequence only. H query heads share KVH key/value
// heads (H % KVH == 0; head h uses kv head h / (H / KVH)).
//   q (N, H, Dqk), k (N, KVH, Dqk), v (N, KVH, Dv) -> out (N, H, Dv), lse (N, H)
// Queries and keys share one head size Dqk; values may have another, Dv: Multi-head Latent
// Attention (DeepSeek-V3) scores with Dqk = nope + rope dims but mixes values of v_head_dim.
// Forward saves only the log-sum-exp of each score row; backward recomputes the probabilities
// from it (as FlashAttention does) instead of storing (L, L) matrices.
//
// Shared prefixes (GRPO's G completions of one prompt): prefix_of (S), when not null, names for
// each sequence s another sequence p = prefix_of[s] whose tokens all of s's tokens see before
// their own (-1: none). A prefix has no prefix itself. The prompt is then computed once for the
// whole group instead of once per completion, and its keys and values gather the gradients of
// every sequence that reads them. Positions (RoPE) are the caller's: s's continue after p's.
#pragma once
#include <cstdint>

namespace r1::cpu {

template <typename T>
void attention_forward(T* out, T* lse, const T* q, const T* k, const T* v,
                       const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH,
                       int Dqk, int Dv, T scale);

// Writes dq, dk, dv (not accumulated).
template <typename T>
void attention_backward(T* dq, T* dk, T* dv, const T* dout, const T* out, const T* lse, const T* q,
                        const T* k, const T* v, const int32_t* cu_seqlens, const int32_t* prefix_of,
                        int S, int H, int KVH, int Dqk, int Dv, T scale);

// Paged KV cache (the layout a GPU decode kernel reads). Keys of every sequence live in one
// pool of fixed-size blocks, k_pool (blocks, block_size, K) with K = KVH * Dqk, values likewise
// with V = KVH * Dv; row s of block_table (slots, max_blocks) lists the pool blocks of slot s in
// order, so the cached token at position p of slot s is row p % block_size of block
// block_table[s * max_blocks + p / block_size].
//
// kv_cache_write stores the keys k (N, K) and values v (N, V) of N tokens, token n at position
// pos[n] of slot seq_of[n]; every block it touches must already be in the table.
template <typename T>
void kv_cache_write(T* k_pool, T* v_pool, const T* k, const T* v, const int32_t* block_table, int max_blocks,
                    int block_size, const int32_t* seq_of, const int32_t* pos, int N, int K, int V);

// Attention of N query tokens against cached keys/values (decode and prefill with a KV cache).
// Token n attends to positions [0, kv_len[n]) of slot seq_of[n]; its own key/value must already
// be written. q (N, H, Dqk) -> out (N, H, Dv). v_row: values between consecutive cached value
// rows, KVH * Dv for a pool of values; v_pool = k_pool with v_row = KVH * Dqk reads each value as
// the first Dv of its key row (MLA's latent is both).
template <typename T>
void attention_paged_forward(T* out, const T* q, const T* k_pool, const T* v_pool, int v_row,
                             const int32_t* block_table, int max_blocks, int block_size,
                             const int32_t* seq_of, const int32_t* kv_len, int N, int H, int KVH,
                             int Dqk, int Dv, T scale);

}  // namespace r1::cpu
