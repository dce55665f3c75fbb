// Tiled attention over packed causal sequences (training), FlashAttention-2's scheme on CUDA
// cores in fp32. A block works on a 64 x 64 tile of scores at a time, from query and key tiles
// held in shared memory, so each key is read from device memory once per 64 queries instead of
// once per query (the row kernels of attention.cu, which stay for decode and as the fallback).
//
//   forward:  one block per (query tile of a sequence, head); online softmax over key tiles;
//             saves the log-sum-exp only.
//   dQ:       one block per (query tile, head); recomputes P from the log-sum-exp.
//   dK, dV:   one block per (key tile of a sequence, kv head); loops over every query that sees
//             those keys (its own sequence's later tokens, and all tokens of the sequences that
//             read it as their shared prefix) and over the query heads of its group, so every
//             dK/dV row is written by exactly one block: no atomics, no zeroing.
//
// Threads: 256 as a 16 x 16 grid (ty, tx); thread (ty, tx) owns score rows ty + 16 i and
// columns tx + 16 j (i, j < 4), and output columns tx + 16 c. Strided ownership keeps shared
// memory reads free of bank conflicts: rows are padded to an odd length.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/cuda/attention_tiled.h"
#include "kernels/cuda/attention_tiles.cuh"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

using namespace tiles;         // kT (64), kThreads (256), and the helpers of attention_tiles.cuh
constexpr int kMaxCols = 16;   // head sizes up to 16 * 16 = 256
constexpr int kLdP = kT + 1;   // padded row of a score tile in shared memory

// dst (kT, ld) <- rows of src (row r of the tile = packed row rows(r), head offset col0, D wide);
// zeros past n rows and past D columns.
template <typename RowOf>
__device__ void load_tile(float* dst, int ld, const float* src, size_t row_stride, int col0, int D,
                          int n, RowOf row_of) {
  for (int e = threadIdx.x; e < kT * D; e += kThreads) {
    const int r = e / D, d = e - r * D;
    dst[r * ld + d] = r < n ? src[static_cast<size_t>(row_of(r)) * row_stride + col0 + d] : 0.f;
  }
}

// s[i][j] = A row (ty + 16 i) . B row (tx + 16 j) over D (rows of A and B in shared memory).
__device__ void tile_dot(float (&s)[4][4], const float* A, const float* B, int ld, int D) {
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) s[i][j] = 0.f;
  for (int d = 0; d < D; ++d) {
    float a[4], b[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) a[i] = A[(ty + 16 * i) * ld + d];
#pragma unroll
    for (int j = 0; j < 4; ++j) b[j] = B[(tx + 16 * j) * ld + d];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) s[i][j] += a[i] * b[j];
  }
}

// acc[i][c] += sum over r < n of P[row_i][r] * X[r][tx + 16 c], where row_i = ty + 16 i and P is
// read as P[row * ldp + r] (transposed: P[r * ldp + row]).
template <bool kTransposedP>
__device__ void tile_mix(float (&acc)[4][kMaxCols], const float* P, const float* X, int ldx, int D,
                         int n) {
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  for (int r = 0; r < n; ++r) {
    float p[4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
      p[i] = kTransposedP ? P[r * kLdP + ty + 16 * i] : P[(ty + 16 * i) * kLdP + r];
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) {
      const int d = tx + 16 * c;
      if (d < D) {
        const float x = X[r * ldx + d];
#pragma unroll
        for (int i = 0; i < 4; ++i) acc[i][c] += p[i] * x;
      }
    }
  }
}

__global__ void __launch_bounds__(kThreads)
    forward_kernel(float* out, float* lse, const float* q, const float* k, const float* v,
                   const int32_t* cu, const int32_t* prefix_of, int S, int H, int KVH, int Dqk,
                   int Dv, float scale) {
  QueryTile t;
  if (!query_tile(t, cu, prefix_of, S, H, KVH)) return;
  const int s = t.s, q0 = t.q0, nq = t.nq, qbase = t.qbase, Lp = t.Lp, h = t.h, g = t.g;
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  const int ldq = Dqk + 1, ldv = Dv + 1;
  extern __shared__ float sh[];
  float* Qs = sh;             // (kT, ldq)
  float* Ks = Qs + kT * ldq;  // (kT, ldq)
  float* Vs = Ks + kT * ldq;  // (kT, ldv)
  float* Ps = Vs + kT * ldv;  // (kT, kLdP)
  load_tile(Qs, ldq, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq,
            [&](int r) { return qbase + r; });

  float acc[4][kMaxCols], m[4], l[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.f;
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) acc[i][c] = 0.f;
  }
  const int n_keys = Lp + q0 + nq;  // the last query of the tile sees keys [0, n_keys)
  for (int k0 = 0; k0 < n_keys; k0 += kT) {
    const int nk = min(kT, n_keys - k0);
    __syncthreads();  // the previous tile's Ks, Vs and Ps are no longer read
    auto row_of = [&](int r) { return key_row(cu, prefix_of, s, Lp, k0 + r); };
    load_tile(Ks, ldq, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, row_of);
    load_tile(Vs, ldv, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, row_of);
    __syncthreads();
    float sc[4][4];
    tile_dot(sc, Qs, Ks, ldq, Dqk);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int r = ty + 16 * i;
      float mx = -INFINITY;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int c = tx + 16 * j;
        const bool ok = r < nq && c < nk && k0 + c <= Lp + q0 + r;
        sc[i][j] = ok ? sc[i][j] * scale : -INFINITY;
        mx = fmaxf(mx, sc[i][j]);
      }
      const float m_new = fmaxf(m[i], row_max(mx));
      const float base = m_new == -INFINITY ? 0.f : m_new;  // a row with nothing seen yet
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float p = expf(sc[i][j] - base);
        Ps[r * kLdP + tx + 16 * j] = p;
        sum += p;
      }
      const float f = expf(m[i] - base);
      l[i] = l[i] * f + row_sum(sum);
#pragma unroll
      for (int c = 0; c < kMaxCols; ++c) acc[i][c] *= f;
      m[i] = m_new;
    }
    __syncthreads();
    tile_mix<false>(acc, Ps, Vs, ldv, Dv, nk);
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = ty + 16 * i;
    if (r >= nq) continue;
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) {
      const int d = tx + 16 * c;
      if (d < Dv) out[row * Dv + d] = acc[i][c] / l[i];
    }
    if (tx == 0 && lse) lse[row] = m[i] + logf(l[i]);
  }
}

// Loads, for query rows [qbase, qbase + nq) of head h: Q, dO, the log-sum-exp and
// D = rowsum(dO * O) into shared memory.
__device__ void load_query_side(float* Qs, float* dOs, float* Ls, float* Ds, const float* q,
                                const float* dout, const float* out, const float* lse, int qbase,
                                int nq, int h, int H, int Dqk, int Dv) {
  const int ldq = Dqk + 1, ldv = Dv + 1;
  auto row_of = [&](int r) { return qbase + r; };
  load_tile(Qs, ldq, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq, row_of);
  load_tile(dOs, ldv, dout, static_cast<size_t>(H) * Dv, h * Dv, Dv, nq, row_of);
  load_row_stats(Ls, Ds, dout, out, lse, qbase, nq, h, H, Dv);
}

// P and dS of a score tile: P = exp(scale q.k - lse), dS = P (dO.v - D) scale, masked to 0
// where !visible(r, c).
template <typename Visible>
__device__ void probs_and_dscores(float (&p)[4][4], float (&ds)[4][4], const float* Qs,
                                  const float* Ks, const float* dOs, const float* Vs,
                                  const float* Ls, const float* Ds, int Dqk, int Dv, float scale,
                                  Visible visible) {
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  float dp[4][4];
  tile_dot(p, Qs, Ks, Dqk + 1, Dqk);
  tile_dot(dp, dOs, Vs, Dv + 1, Dv);
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int r = ty + 16 * i, c = tx + 16 * j;
      const float pr = visible(r, c) ? expf(p[i][j] * scale - Ls[r]) : 0.f;
      p[i][j] = pr;
      ds[i][j] = pr * (dp[i][j] - Ds[r]) * scale;
    }
}

__global__ void __launch_bounds__(kThreads)
    dq_kernel(float* dq, const float* dout, const float* out, const float* lse, const float* q,
              const float* k, const float* v, const int32_t* cu, const int32_t* prefix_of, int S,
              int H, int KVH, int Dqk, int Dv, float scale) {
  QueryTile t;
  if (!query_tile(t, cu, prefix_of, S, H, KVH)) return;
  const int s = t.s, q0 = t.q0, nq = t.nq, qbase = t.qbase, Lp = t.Lp, h = t.h, g = t.g;
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  const int ldq = Dqk + 1, ldv = Dv + 1;
  extern __shared__ float sh[];
  float* Qs = sh;               // (kT, ldq)
  float* Ks = Qs + kT * ldq;    // (kT, ldq)
  float* dOs = Ks + kT * ldq;   // (kT, ldv)
  float* Vs = dOs + kT * ldv;   // (kT, ldv)
  float* dSs = Vs + kT * ldv;   // (kT, kLdP)
  float* Ls = dSs + kT * kLdP;  // (kT)
  float* Ds = Ls + kT;          // (kT)
  load_query_side(Qs, dOs, Ls, Ds, q, dout, out, lse, qbase, nq, h, H, Dqk, Dv);

  float acc[4][kMaxCols];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) acc[i][c] = 0.f;
  const int n_keys = Lp + q0 + nq;
  for (int k0 = 0; k0 < n_keys; k0 += kT) {
    const int nk = min(kT, n_keys - k0);
    __syncthreads();
    auto row_of = [&](int r) { return key_row(cu, prefix_of, s, Lp, k0 + r); };
    load_tile(Ks, ldq, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, row_of);
    load_tile(Vs, ldv, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, row_of);
    __syncthreads();
    float p[4][4], ds[4][4];
    probs_and_dscores(p, ds, Qs, Ks, dOs, Vs, Ls, Ds, Dqk, Dv, scale,
                      [&](int r, int c) { return r < nq && c < nk && k0 + c <= Lp + q0 + r; });
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) dSs[(ty + 16 * i) * kLdP + tx + 16 * j] = ds[i][j];
    __syncthreads();
    tile_mix<false>(acc, dSs, Ks, ldq, Dqk, nk);
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = ty + 16 * i;
    if (r >= nq) continue;
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) {
      const int d = tx + 16 * c;
      if (d < Dqk) dq[row * Dqk + d] = acc[i][c];
    }
  }
}

__global__ void __launch_bounds__(kThreads)
    dkv_kernel(float* dk, float* dv, const float* dout, const float* out, const float* lse,
               const float* q, const float* k, const float* v, const int32_t* cu,
               const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv, float scale) {
  int sk, k0;
  if (!find_tile(cu, S, blockIdx.x, sk, k0)) return;
  const int g = blockIdx.y, group = H / KVH, ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  const int len_k = cu[sk + 1] - cu[sk], nk = min(kT, len_k - k0);
  const int ldq = Dqk + 1, ldv = Dv + 1;
  extern __shared__ float sh[];
  float* Ks = sh;               // (kT, ldq): this block's keys
  float* Vs = Ks + kT * ldq;    // (kT, ldv)
  float* Qs = Vs + kT * ldv;    // (kT, ldq): a query tile
  float* dOs = Qs + kT * ldq;   // (kT, ldv)
  float* Ps = dOs + kT * ldv;   // (kT, kLdP)
  float* dSs = Ps + kT * kLdP;  // (kT, kLdP)
  float* Ls = dSs + kT * kLdP;  // (kT)
  float* Ds = Ls + kT;          // (kT)
  const int kbase = cu[sk] + k0;
  auto key_of = [&](int r) { return kbase + r; };
  load_tile(Ks, ldq, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, key_of);
  load_tile(Vs, ldv, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, key_of);

  // Rows ty + 16 i of the block's keys, columns tx + 16 c.
  float dk_acc[4][kMaxCols], dv_acc[4][kMaxCols];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) dk_acc[i][c] = dv_acc[i][c] = 0.f;

  // One query tile of sequence sq, positions [q0, q0 + nq): key c of this block sits at index
  // key_at + c of sq's keys, and query r sees it when key_at + c <= Lp(sq) + q0 + r.
  auto visit = [&](int sq, int q0, int nq, int key_at, int Lq) {
    for (int hh = 0; hh < group; ++hh) {
      const int h = g * group + hh;
      __syncthreads();  // the previous tile's Qs, dOs, Ps and dSs are no longer read
      load_query_side(Qs, dOs, Ls, Ds, q, dout, out, lse, cu[sq] + q0, nq, h, H, Dqk, Dv);
      __syncthreads();
      float p[4][4], ds[4][4];
      probs_and_dscores(p, ds, Qs, Ks, dOs, Vs, Ls, Ds, Dqk, Dv, scale, [&](int r, int c) {
        return r < nq && c < nk && key_at + c <= Lq + q0 + r;
      });
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          Ps[(ty + 16 * i) * kLdP + tx + 16 * j] = p[i][j];
          dSs[(ty + 16 * i) * kLdP + tx + 16 * j] = ds[i][j];
        }
      __syncthreads();
      // dV[key] += sum over queries of P[query][key] dO[query]; dK likewise with dS and Q.
      tile_mix<true>(dv_acc, Ps, dOs, ldv, Dv, nq);
      tile_mix<true>(dk_acc, dSs, Qs, ldq, Dqk, nq);
    }
  };
  for_each_query_tile(cu, prefix_of, S, sk, k0, visit);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = ty + 16 * i;
    if (r >= nk) continue;
    const size_t row = static_cast<size_t>(kbase + r) * KVH + g;
#pragma unroll
    for (int c = 0; c < kMaxCols; ++c) {
      const int d = tx + 16 * c;
      if (d < Dqk) dk[row * Dqk + d] = dk_acc[i][c];
      if (d < Dv) dv[row * Dv + d] = dv_acc[i][c];
    }
  }
}

size_t forward_smem(int Dqk, int Dv) {
  return sizeof(float) * kT * (2 * (Dqk + 1) + (Dv + 1) + kLdP);
}
size_t dq_smem(int Dqk, int Dv) {
  return sizeof(float) * (kT * (2 * (Dqk + 1) + 2 * (Dv + 1) + kLdP) + 2 * kT);
}
size_t dkv_smem(int Dqk, int Dv) {
  return sizeof(float) * (kT * (2 * (Dqk + 1) + 2 * (Dv + 1) + 2 * kLdP) + 2 * kT);
}

}  // namespace

bool attention_tiled_applies(int Dqk, int Dv) {
  const char* mode = attention_override();
  if (mode && std::strcmp(mode, "rows") == 0) return false;
  if (Dqk > 16 * kMaxCols || Dv > 16 * kMaxCols) return false;
  return dkv_smem(Dqk, Dv) <= static_cast<size_t>(max_smem());
}

namespace {

Kernels tiled_kernels(int Dqk, int Dv) {
  return {"attention (tiled)",
          forward_kernel, forward_smem(Dqk, Dv),
          dq_kernel,      dq_smem(Dqk, Dv),
          dkv_kernel,     dkv_smem(Dqk, Dv)};
}

}  // namespace

void attention_tiled_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                             const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                             int H, int KVH, int Dqk, int Dv, float scale) {
  launch_forward(tiled_kernels(Dqk, Dv), out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH,
                 Dqk, Dv, scale);
}

void attention_tiled_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                              const float* lse, const float* q, const float* k, const float* v,
                              const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                              int H, int KVH, int Dqk, int Dv, float scale) {
  launch_backward(tiled_kernels(Dqk, Dv), dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens,
                  prefix_of, N, S, H, KVH, Dqk, Dv, scale);
}

}  // namespace r1::cuda
