// Training attention on tensor cores, FlashAttention-2 style, with every accumulator in
// registers: the tile products are PTX mma.sync.m16n8k16 (bf16 operands, fp32 accumulation),
// whose fragment layouts the PTX ISA specifies, so the online softmax can rescale the rows of O
// where they live and P (or dS) goes from the score accumulators straight into the next product's
// A operand. attention_tc.cu does the same arithmetic through WMMA, whose layouts are unspecified,
// and so keeps its accumulators in shared memory; it remains for heads wider than 128.
//
// A block is 4 warps and a 64-row tile (attention_tiles.cuh's blocks and loops); each warp owns
// 16 of the rows: queries in the forward and dQ kernels, keys in the dK/dV kernel. Operands are
// read from shared memory as 32-bit pairs, so every tile is stored in the layout whose pairs the
// fragment wants: "row" tiles [position][d] for operands whose reduction runs over d, and "column"
// tiles [d][position] (transposed while loading) for those whose reduction runs over positions.
// Row pitches of kD + 8 and kT + 8 values keep a fragment's 32 reads on 32 different banks.
//
// Roundings, as attention_tc.cu: q, k, v and dO to bf16 as they are loaded; P and dS to bf16 as
// they become operands; the row statistics, D = rowsum(bf16(dO) * O) and accumulators stay fp32.
//
// Shared memory (head tile kD = 128): 53 KB forward, 87 KB dQ, 104 KB dK/dV.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels/cuda/attention_mma.h"
#include "kernels/cuda/attention_tiles.cuh"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

using namespace tiles;  // kT (64), find_tile, query_tile, for_each_query_tile, load_row_stats
using bf16 = __nv_bfloat16;

constexpr int kWarps = 4;
constexpr int kMmaThreads = 32 * kWarps;  // warp w owns rows [16 w, 16 w + 16) of a tile
constexpr int kLdCol = kT + 8;            // a column tile's pitch: kT positions (+8 for banks)

// A head tile of kD values (kD a multiple of 16, Dqk and Dv zero-padded to it).
template <int kD>
struct Tile {
  static constexpr int ld = kD + 8;              // a row tile's pitch
  static constexpr int row_elems = kT * ld;      // [kT][ld]
  static constexpr int col_elems = kD * kLdCol;  // [kD][kLdCol]
};

__device__ inline uint32_t ld32(const bf16* p) {
  return *reinterpret_cast<const uint32_t*>(p);
}
// Two floats as a bf16 pair: lo in the low half, as a fragment holds its lower-indexed element.
__device__ inline uint32_t pack(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}
__device__ inline float round_bf16(float x) {
  return __bfloat162float(__float2bfloat16_rn(x));
}

// c (16 x 8) += a (16 x 16, row-major) b (16 x 8, column-major). Lane l holds, with g = l / 4
// and c = l % 4: c[0..1] at row g, columns 2c and 2c+1; c[2..3] at row g+8; a[0] = (row g,
// k 2c..2c+1), a[1] = (row g+8, same k), a[2] = (row g, k 2c+8..2c+9), a[3] = (row g+8, k
// 2c+8..); b0 = (k 2c..2c+1, column g), b1 = (k 2c+8..2c+9, column g).
__device__ inline void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// The A fragment of rows [r0, r0 + 16) and k [kk, kk + 16) of a row tile.
__device__ inline void load_a(uint32_t (&a)[4], const bf16* X, int ld, int r0, int kk) {
  const int lane = threadIdx.x % 32;
  const bf16* p = X + (r0 + lane / 4) * ld + kk + 2 * (lane % 4);
  a[0] = ld32(p);
  a[1] = ld32(p + 8 * ld);
  a[2] = ld32(p + 8);
  a[3] = ld32(p + 8 * ld + 8);
}
// The B fragment of columns [n0, n0 + 8) and k [kk, kk + 16), from a tile stored [n][k].
__device__ inline void mma_b(float (&c)[4], const uint32_t (&a)[4], const bf16* Y, int ld, int n0,
                             int kk) {
  const int lane = threadIdx.x % 32;
  const bf16* p = Y + (n0 + lane / 4) * ld + kk + 2 * (lane % 4);
  mma(c, a, ld32(p), ld32(p + 8));
}
// A fragments from score accumulators s[2 kc] and s[2 kc + 1] (keys or queries [16 kc, 16 kc +
// 16) of the scores as the k range of the next product), rounded to bf16.
__device__ inline void a_from_acc(uint32_t (&a)[4], const float (&s0)[4], const float (&s1)[4]) {
  a[0] = pack(s0[0], s0[1]);
  a[1] = pack(s0[2], s0[3]);
  a[2] = pack(s1[0], s1[1]);
  a[3] = pack(s1[2], s1[3]);
}

// dst[r][d] (pitch ld) <- bf16(src row row_of(r), columns col0 + d), for r < kT and d < kD;
// zeros past n rows and past D. Each thread converts a pair of consecutive d.
template <int kD, typename RowOf>
__device__ void load_rows(bf16* dst, int ld, const float* src, size_t row_stride, int col0, int D,
                          int n, RowOf row_of) {
  for (int e = threadIdx.x; e < kT * kD / 2; e += kMmaThreads) {
    const int r = e / (kD / 2), d = 2 * (e % (kD / 2));
    float x0 = 0.f, x1 = 0.f;
    if (r < n) {
      const float* p = src + static_cast<size_t>(row_of(r)) * row_stride + col0 + d;
      if (d < D) x0 = p[0];
      if (d + 1 < D) x1 = p[1];
    }
    *reinterpret_cast<uint32_t*>(dst + r * ld + d) = pack(x0, x1);
  }
}
// dst[d][r] (pitch kLdCol) <- the same values transposed. Each thread converts a pair of
// consecutive rows r at one d (reads stay coalesced along d).
template <int kD, typename RowOf>
__device__ void load_cols(bf16* dst, const float* src, size_t row_stride, int col0, int D, int n,
                          RowOf row_of) {
  for (int e = threadIdx.x; e < kT / 2 * kD; e += kMmaThreads) {
    const int r = 2 * (e / kD), d = e % kD;
    float x0 = 0.f, x1 = 0.f;
    if (d < D) {
      if (r < n) x0 = src[static_cast<size_t>(row_of(r)) * row_stride + col0 + d];
      if (r + 1 < n) x1 = src[static_cast<size_t>(row_of(r + 1)) * row_stride + col0 + d];
    }
    *reinterpret_cast<uint32_t*>(dst + d * kLdCol + r) = pack(x0, x1);
  }
}

// Sum or max over the 4 lanes of a quad (the lanes holding one accumulator row).
__device__ inline float quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}
__device__ inline float quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}

template <int kD>
__global__ void __launch_bounds__(kMmaThreads)
    forward_kernel(float* out, float* lse, const float* q, const float* k, const float* v,
                   const int32_t* cu, const int32_t* prefix_of, int S, int H, int KVH, int Dqk,
                   int Dv, float scale) {
  using T = Tile<kD>;
  QueryTile t;
  if (!query_tile(t, cu, prefix_of, S, H, KVH)) return;
  const int q0 = t.q0, nq = t.nq, qbase = t.qbase, Lp = t.Lp, h = t.h;
  const int lane = threadIdx.x % 32, r0 = 16 * (threadIdx.x / 32), gr = lane / 4, gc = lane % 4;
  extern __shared__ __align__(16) char smem[];
  bf16* Qs = reinterpret_cast<bf16*>(smem);  // [kT][ld]
  bf16* Ks = Qs + T::row_elems;              // [kT][ld]
  bf16* Vt = Ks + T::row_elems;              // [kD][kLdCol]
  load_rows<kD>(Qs, T::ld, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq,
                [&](int r) { return qbase + r; });

  float o[kD / 8][4] = {};
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
  const int n_keys = Lp + q0 + nq;  // the tile's last query sees keys [0, n_keys)
  for (int k0 = 0; k0 < n_keys; k0 += kT) {
    const int nk = min(kT, n_keys - k0);
    __syncthreads();  // every warp is done with the previous Ks and Vt
    auto row_of = [&](int r) { return key_row(cu, prefix_of, t.s, Lp, k0 + r); };
    load_rows<kD>(Ks, T::ld, k, static_cast<size_t>(KVH) * Dqk, t.g * Dqk, Dqk, nk, row_of);
    load_cols<kD>(Vt, v, static_cast<size_t>(KVH) * Dv, t.g * Dv, Dv, nk, row_of);
    __syncthreads();

    float s[8][4] = {};  // this warp's 16 queries x the tile's 64 keys
#pragma unroll
    for (int kk = 0; kk < kD; kk += 16) {
      uint32_t a[4];
      load_a(a, Qs, T::ld, r0, kk);
#pragma unroll
      for (int j = 0; j < 8; ++j) mma_b(s[j], a, Ks, T::ld, 8 * j, kk);
    }
    float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int j = 0; j < 8; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int r = r0 + gr + 8 * (e / 2), c = 8 * j + 2 * gc + e % 2;
        const bool ok = r < nq && c < nk && k0 + c <= Lp + q0 + r;
        s[j][e] = ok ? s[j][e] * scale : -INFINITY;
        mx[e / 2] = fmaxf(mx[e / 2], s[j][e]);
      }
    float base[2], sum[2] = {0.f, 0.f};
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      const float m_new = fmaxf(m[i], quad_max(mx[i]));
      base[i] = m_new == -INFINITY ? 0.f : m_new;  // a row with nothing seen yet
      const float f = expf(m[i] - base[i]);
      l[i] *= f;
#pragma unroll
      for (int nb = 0; nb < kD / 8; ++nb) {
        o[nb][2 * i] *= f;
        o[nb][2 * i + 1] *= f;
      }
      m[i] = m_new;
    }
#pragma unroll
    for (int j = 0; j < 8; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        // The weights O is made of, so O stays their weighted mean.
        s[j][e] = round_bf16(expf(s[j][e] - base[e / 2]));
        sum[e / 2] += s[j][e];
      }
    l[0] += quad_sum(sum[0]);
    l[1] += quad_sum(sum[1]);
#pragma unroll
    for (int kc = 0; kc < 4; ++kc) {  // O += P V, 16 keys at a time
      uint32_t a[4];
      a_from_acc(a, s[2 * kc], s[2 * kc + 1]);
#pragma unroll
      for (int nb = 0; nb < kD / 8; ++nb) mma_b(o[nb], a, Vt, kLdCol, 8 * nb, 16 * kc);
    }
  }
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const int r = r0 + gr + 8 * i;
    if (r >= nq) continue;
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
#pragma unroll
    for (int nb = 0; nb < kD / 8; ++nb)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int c = 8 * nb + 2 * gc + e;
        if (c < Dv) out[row * Dv + c] = o[nb][2 * i + e] / l[i];
      }
    if (gc == 0 && lse) lse[row] = m[i] + logf(l[i]);
  }
}

template <int kD>
__global__ void __launch_bounds__(kMmaThreads)
    dq_kernel(float* dq, const float* dout, const float* out, const float* lse, const float* q,
              const float* k, const float* v, const int32_t* cu, const int32_t* prefix_of, int S,
              int H, int KVH, int Dqk, int Dv, float scale) {
  using T = Tile<kD>;
  QueryTile t;
  if (!query_tile(t, cu, prefix_of, S, H, KVH)) return;
  const int q0 = t.q0, nq = t.nq, qbase = t.qbase, Lp = t.Lp, h = t.h;
  const int lane = threadIdx.x % 32, r0 = 16 * (threadIdx.x / 32), gr = lane / 4, gc = lane % 4;
  extern __shared__ __align__(16) char smem[];
  bf16* Qs = reinterpret_cast<bf16*>(smem);  // [kT][ld] each
  bf16* dOs = Qs + T::row_elems;
  bf16* Ks = dOs + T::row_elems;
  bf16* Vs = Ks + T::row_elems;
  bf16* Kt = Vs + T::row_elems;  // [kD][kLdCol]
  float* Ls = reinterpret_cast<float*>(Kt + T::col_elems);
  float* Ds = Ls + kT;
  auto query_of = [&](int r) { return qbase + r; };
  load_rows<kD>(Qs, T::ld, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq, query_of);
  load_rows<kD>(dOs, T::ld, dout, static_cast<size_t>(H) * Dv, h * Dv, Dv, nq, query_of);
  load_row_stats<true>(Ls, Ds, dout, out, lse, qbase, nq, h, H, Dv);

  float acc[kD / 8][4] = {};  // dQ of this warp's 16 queries
  const int n_keys = Lp + q0 + nq;
  for (int k0 = 0; k0 < n_keys; k0 += kT) {
    const int nk = min(kT, n_keys - k0);
    __syncthreads();
    auto row_of = [&](int r) { return key_row(cu, prefix_of, t.s, Lp, k0 + r); };
    load_rows<kD>(Ks, T::ld, k, static_cast<size_t>(KVH) * Dqk, t.g * Dqk, Dqk, nk, row_of);
    load_rows<kD>(Vs, T::ld, v, static_cast<size_t>(KVH) * Dv, t.g * Dv, Dv, nk, row_of);
    load_cols<kD>(Kt, k, static_cast<size_t>(KVH) * Dqk, t.g * Dqk, Dqk, nk, row_of);
    __syncthreads();

    float s[8][4] = {}, dp[8][4] = {};  // S = Q K^T and dP = dO V^T
#pragma unroll
    for (int kk = 0; kk < kD; kk += 16) {
      uint32_t a[4], b[4];
      load_a(a, Qs, T::ld, r0, kk);
      load_a(b, dOs, T::ld, r0, kk);
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        mma_b(s[j], a, Ks, T::ld, 8 * j, kk);
        mma_b(dp[j], b, Vs, T::ld, 8 * j, kk);
      }
    }
#pragma unroll
    for (int j = 0; j < 8; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {  // dS = P (dP - D) scale
        const int r = r0 + gr + 8 * (e / 2), c = 8 * j + 2 * gc + e % 2;
        const bool ok = r < nq && c < nk && k0 + c <= Lp + q0 + r;
        const float p = ok ? expf(s[j][e] * scale - Ls[r]) : 0.f;
        s[j][e] = p * (dp[j][e] - Ds[r]) * scale;
      }
#pragma unroll
    for (int kc = 0; kc < 4; ++kc) {  // dQ += dS K
      uint32_t a[4];
      a_from_acc(a, s[2 * kc], s[2 * kc + 1]);
#pragma unroll
      for (int nb = 0; nb < kD / 8; ++nb) mma_b(acc[nb], a, Kt, kLdCol, 8 * nb, 16 * kc);
    }
  }
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const int r = r0 + gr + 8 * i;
    if (r >= nq) continue;
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
#pragma unroll
    for (int nb = 0; nb < kD / 8; ++nb)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int c = 8 * nb + 2 * gc + e;
        if (c < Dqk) dq[row * Dqk + c] = acc[nb][2 * i + e];
      }
  }
}

// One block per key tile and kv head; warp w owns keys [16 w, 16 w + 16) and computes the
// transposed scores S^T = K Q^T and dP^T = V dO^T, half a query tile (32 queries) at a time.
template <int kD>
__global__ void __launch_bounds__(kMmaThreads)
    dkv_kernel(float* dk, float* dv, const float* dout, const float* out, const float* lse,
               const float* q, const float* k, const float* v, const int32_t* cu,
               const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv, float scale) {
  using T = Tile<kD>;
  int sk, k0;
  if (!find_tile(cu, S, blockIdx.x, sk, k0)) return;
  const int g = blockIdx.y, group = H / KVH;
  const int nk = min(kT, cu[sk + 1] - cu[sk] - k0), kbase = cu[sk] + k0;
  const int lane = threadIdx.x % 32, r0 = 16 * (threadIdx.x / 32), gr = lane / 4, gc = lane % 4;
  extern __shared__ __align__(16) char smem[];
  bf16* Ks = reinterpret_cast<bf16*>(smem);  // [kT][ld] each
  bf16* Vs = Ks + T::row_elems;
  bf16* Qs = Vs + T::row_elems;
  bf16* dOs = Qs + T::row_elems;
  bf16* Qt = dOs + T::row_elems;  // [kD][kLdCol] each
  bf16* dOt = Qt + T::col_elems;
  float* Ls = reinterpret_cast<float*>(dOt + T::col_elems);
  float* Ds = Ls + kT;
  auto key_of = [&](int r) { return kbase + r; };
  load_rows<kD>(Ks, T::ld, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, key_of);
  load_rows<kD>(Vs, T::ld, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, key_of);

  float dk_acc[kD / 8][4] = {}, dv_acc[kD / 8][4] = {};
  auto visit = [&](int sq, int q0, int nq, int key_at, int Lq) {
    for (int hh = 0; hh < group; ++hh) {
      const int h = g * group + hh, qbase = cu[sq] + q0;
      __syncthreads();  // every warp is done with the previous query tile
      auto query_of = [&](int r) { return qbase + r; };
      const size_t q_stride = static_cast<size_t>(H) * Dqk, o_stride = static_cast<size_t>(H) * Dv;
      load_rows<kD>(Qs, T::ld, q, q_stride, h * Dqk, Dqk, nq, query_of);
      load_rows<kD>(dOs, T::ld, dout, o_stride, h * Dv, Dv, nq, query_of);
      load_cols<kD>(Qt, q, q_stride, h * Dqk, Dqk, nq, query_of);
      load_cols<kD>(dOt, dout, o_stride, h * Dv, Dv, nq, query_of);
      load_row_stats<true>(Ls, Ds, dout, out, lse, qbase, nq, h, H, Dv);
      __syncthreads();
#pragma unroll 1  // (unrolled, the two halves' registers spill at kD = 128)
      for (int half = 0; half < 2; ++half) {
        const int c0 = 32 * half;             // this half's first query
        float st[4][4] = {}, dpt[4][4] = {};  // (key, query)
#pragma unroll
        for (int kk = 0; kk < kD; kk += 16) {
          uint32_t a[4], b[4];
          load_a(a, Ks, T::ld, r0, kk);
          load_a(b, Vs, T::ld, r0, kk);
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            mma_b(st[j], a, Qs, T::ld, c0 + 8 * j, kk);
            mma_b(dpt[j], b, dOs, T::ld, c0 + 8 * j, kk);
          }
        }
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int key = r0 + gr + 8 * (e / 2), qr = c0 + 8 * j + 2 * gc + e % 2;
            const bool ok = qr < nq && key < nk && key_at + key <= Lq + q0 + qr;
            const float p = ok ? expf(st[j][e] * scale - Ls[qr]) : 0.f;
            dpt[j][e] = p * (dpt[j][e] - Ds[qr]) * scale;  // dS^T
            st[j][e] = p;                                  // P^T
          }
#pragma unroll
        for (int kc = 0; kc < 2; ++kc) {  // dV += P^T dO and dK += dS^T Q, 16 queries at a time
          uint32_t a[4], b[4];
          a_from_acc(a, st[2 * kc], st[2 * kc + 1]);
          a_from_acc(b, dpt[2 * kc], dpt[2 * kc + 1]);
#pragma unroll
          for (int nb = 0; nb < kD / 8; ++nb) {
            mma_b(dv_acc[nb], a, dOt, kLdCol, 8 * nb, c0 + 16 * kc);
            mma_b(dk_acc[nb], b, Qt, kLdCol, 8 * nb, c0 + 16 * kc);
          }
        }
      }
    }
  };
  for_each_query_tile(cu, prefix_of, S, sk, k0, visit);
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const int r = r0 + gr + 8 * i;
    if (r >= nk) continue;
    const size_t row = static_cast<size_t>(kbase + r) * KVH + g;
#pragma unroll
    for (int nb = 0; nb < kD / 8; ++nb)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int c = 8 * nb + 2 * gc + e;
        if (c < Dqk) dk[row * Dqk + c] = dk_acc[nb][2 * i + e];
        if (c < Dv) dv[row * Dv + c] = dv_acc[nb][2 * i + e];
      }
  }
}

constexpr int pad16(int d) {
  return (d + 15) / 16 * 16;
}
// The head tile both sizes fit in: 32, 64 or 128 (0: neither fits).
int head_tile(int Dqk, int Dv) {
  const int d = std::max(pad16(Dqk), pad16(Dv));
  return d <= 32 ? 32 : d <= 64 ? 64 : d <= 128 ? 128 : 0;
}

template <int kD>
Kernels mma_kernels() {
  using T = Tile<kD>;
  const size_t row = sizeof(bf16) * T::row_elems, col = sizeof(bf16) * T::col_elems,
               stats = 2 * sizeof(float) * kT;
  return {"attention (mma)",
          forward_kernel<kD>,
          2 * row + col,
          dq_kernel<kD>,
          4 * row + col + stats,
          dkv_kernel<kD>,
          4 * row + 2 * col + stats,
          kMmaThreads};
}

Kernels kernels_for(int Dqk, int Dv) {
  switch (head_tile(Dqk, Dv)) {
    case 32:
      return mma_kernels<32>();
    case 64:
      return mma_kernels<64>();
    default:
      return mma_kernels<128>();
  }
}

}  // namespace

bool attention_mma_applies(int Dqk, int Dv) {
  const char* mode = std::getenv("R1_CUDA_ATTENTION");
  if (mode && *mode && std::strcmp(mode, "mma") != 0) return false;  // wmma, tiled or rows
  if (head_tile(Dqk, Dv) == 0) return false;
  int dev = 0, major = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev),
        "compute capability");
  return major >= 8 && kernels_for(Dqk, Dv).dkv_smem <= static_cast<size_t>(max_smem());
}

void attention_mma_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                           const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                           int KVH, int Dqk, int Dv, float scale) {
  launch_forward(kernels_for(Dqk, Dv), out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk,
                 Dv, scale);
}

void attention_mma_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                            const float* lse, const float* q, const float* k, const float* v,
                            const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                            int H, int KVH, int Dqk, int Dv, float scale) {
  launch_backward(kernels_for(Dqk, Dv), dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of,
                  N, S, H, KVH, Dqk, Dv, scale);
}

}  // namespace r1::cuda
