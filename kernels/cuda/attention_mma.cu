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
// Roundings, as attention_tc.cu: q, k, v and dO to bf16 once per call, into scratch copies the
// kernels read 16 bytes at a time (cast_kernel); P and dS to bf16 as they become operands; the
// log-sum-exp, D = rowsum(bf16(dO) * O) (dsum_kernel, once per call) and accumulators stay fp32.
//
// Shared memory (head tile kD = 128): 53,248 bytes forward, 88,576 dQ, 107,008 dK/dV.
// tools/emulate_attention_mma.py runs these kernels lane by lane in numpy (shared memory checked
// for bounds, alignment, races and unwritten reads) against a float64 reference: the CPU's check
// of their fragment and index arithmetic.
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

using namespace tiles;  // kT (64), find_tile, query_tile, key_row, for_each_query_tile
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

// dst[r][d] (pitch ld) <- src row row_of(r), columns col0 + d, for r < kT and d < kD; zeros past
// n rows and past D. The inputs are bf16 copies made once per call (cast_kernel), so a row moves
// as 16-byte chunks where D is a multiple of 8 (every row of a head then starts 16-byte aligned).
template <int kD, typename RowOf>
__device__ void load_rows(bf16* dst, int ld, const bf16* src, size_t row_stride, int col0, int D,
                          int n, RowOf row_of) {
  if (D % 8 == 0) {
    constexpr int kChunks = kD / 8;
    for (int e = threadIdx.x; e < kT * kChunks; e += kMmaThreads) {
      const int r = e / kChunks, d = 8 * (e % kChunks);
      uint4 x = make_uint4(0u, 0u, 0u, 0u);
      if (r < n && d < D)
        x = *reinterpret_cast<const uint4*>(src + static_cast<size_t>(row_of(r)) * row_stride +
                                            col0 + d);
      *reinterpret_cast<uint4*>(dst + r * ld + d) = x;
    }
  } else {
    for (int e = threadIdx.x; e < kT * kD; e += kMmaThreads) {
      const int r = e / kD, d = e % kD;
      dst[r * ld + d] = r < n && d < D ? src[static_cast<size_t>(row_of(r)) * row_stride + col0 + d]
                                       : __float2bfloat16_rn(0.f);
    }
  }
}
// dst[d][r] (pitch kLdCol) <- the same values transposed. A thread takes a pair of consecutive
// rows (r, r + 1): 8 d at a time where D is a multiple of 8, written as 8 (row r, row r + 1)
// pairs; the 32 lanes of a warp take the 32 row pairs of one d range, so their stores fall on 32
// different banks.
template <int kD, typename RowOf>
__device__ void load_cols(bf16* dst, const bf16* src, size_t row_stride, int col0, int D, int n,
                          RowOf row_of) {
  if (D % 8 == 0) {
    for (int e = threadIdx.x; e < kT / 2 * (kD / 8); e += kMmaThreads) {
      const int r = 2 * (e % (kT / 2)), d = 8 * (e / (kT / 2));
      uint4 x0 = make_uint4(0u, 0u, 0u, 0u), x1 = x0;
      if (d < D) {
        const size_t at = static_cast<size_t>(col0) + d;
        if (r < n) x0 = *reinterpret_cast<const uint4*>(src + row_of(r) * row_stride + at);
        if (r + 1 < n) x1 = *reinterpret_cast<const uint4*>(src + row_of(r + 1) * row_stride + at);
      }
      const uint32_t a[4] = {x0.x, x0.y, x0.z, x0.w}, b[4] = {x1.x, x1.y, x1.z, x1.w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {  // a[j] holds d + 2j (low half) and d + 2j + 1 of row r
        *reinterpret_cast<uint32_t*>(dst + (d + 2 * j) * kLdCol + r) =
            (a[j] & 0xffffu) | (b[j] << 16);
        *reinterpret_cast<uint32_t*>(dst + (d + 2 * j + 1) * kLdCol + r) =
            (a[j] >> 16) | (b[j] & 0xffff0000u);
      }
    }
  } else {
    for (int e = threadIdx.x; e < kT * kD; e += kMmaThreads) {
      const int r = e / kD, d = e % kD;
      dst[d * kLdCol + r] = r < n && d < D
                                ? src[static_cast<size_t>(row_of(r)) * row_stride + col0 + d]
                                : __float2bfloat16_rn(0.f);
    }
  }
}

// Ls and Ds of query rows [qbase, qbase + nq) of head h (0 past nq): the forward's log-sum-exp,
// and D = rowsum(bf16(dO) * O) from dsum_kernel.
__device__ inline void load_stats(float* Ls, float* Ds, const float* lse, const float* dsum,
                                  int qbase, int nq, int h, int H) {
  for (int r = threadIdx.x; r < kT; r += kMmaThreads) {
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
    Ls[r] = r < nq ? lse[row] : 0.f;
    Ds[r] = r < nq ? dsum[row] : 0.f;
  }
}

// Rows r0 + lane / 4 and r0 + lane / 4 + 8 of an accumulator (columns < D, rows < n), each
// divided by its div, to dst row row_of(r).
template <int kD, typename RowOf>
__device__ void store_rows(float* dst, const float (&acc)[kD / 8][4], const float (&div)[2], int r0,
                           int n, int D, RowOf row_of) {
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const int r = r0 + lane / 4 + 8 * i;
    if (r >= n) continue;
    float* out = dst + row_of(r) * static_cast<size_t>(D);
#pragma unroll
    for (int nb = 0; nb < kD / 8; ++nb)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int c = 8 * nb + 2 * (lane % 4) + e;
        if (c < D) out[c] = acc[nb][2 * i + e] / div[i];
      }
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
    forward_kernel(float* out, float* lse, const bf16* q, const bf16* k, const bf16* v,
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
  auto out_row = [&](int r) { return static_cast<size_t>(qbase + r) * H + h; };
  store_rows<kD>(out, o, l, r0, nq, Dv, out_row);
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const int r = r0 + gr + 8 * i;
    if (r < nq && gc == 0 && lse) lse[out_row(r)] = m[i] + logf(l[i]);
  }
}

template <int kD>
__global__ void __launch_bounds__(kMmaThreads)
    dq_kernel(float* dq, const bf16* dout, const float* lse, const float* dsum, const bf16* q,
              const bf16* k, const bf16* v, const int32_t* cu, const int32_t* prefix_of, int S,
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
  load_stats(Ls, Ds, lse, dsum, qbase, nq, h, H);

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
  const float one[2] = {1.f, 1.f};
  store_rows<kD>(dq, acc, one, r0, nq, Dqk,
                 [&](int r) { return static_cast<size_t>(qbase + r) * H + h; });
}

// One block per key tile and kv head; warp w owns keys [16 w, 16 w + 16) and computes the
// transposed scores S^T = K Q^T and dP^T = V dO^T, half a query tile (32 queries) at a time.
template <int kD>
__global__ void __launch_bounds__(kMmaThreads)
    dkv_kernel(float* dk, float* dv, const bf16* dout, const float* lse, const float* dsum,
               const bf16* q, const bf16* k, const bf16* v, const int32_t* cu,
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
      load_stats(Ls, Ds, lse, dsum, qbase, nq, h, H);
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
  const float one[2] = {1.f, 1.f};
  auto key_row_of = [&](int r) { return static_cast<size_t>(kbase + r) * KVH + g; };
  store_rows<kD>(dk, dk_acc, one, r0, nk, Dqk, key_row_of);
  store_rows<kD>(dv, dv_acc, one, r0, nk, Dv, key_row_of);
}

// The bf16 copies the kernels read: dst[i] = bf16(src[i]).
__global__ void cast_kernel(bf16* dst, const float* src, size_t n) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) dst[i] = __float2bfloat16_rn(src[i]);
}

// D = rowsum(bf16(dO) * O) of each (token, head) row, one warp per row: the P-weighted mean of
// the dP the kernels compute from bf16(dO).
__global__ void dsum_kernel(float* dsum, const float* dout, const float* out, size_t rows, int Dv) {
  const size_t row = blockIdx.x * static_cast<size_t>(blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  float d = 0.f;
  for (int c = lane; c < Dv; c += 32) d += round_bf16(dout[row * Dv + c]) * out[row * Dv + c];
  d = warp_sum(d);
  if (lane == 0) dsum[row] = d;
}

constexpr int pad16(int d) {
  return (d + 15) / 16 * 16;
}
// The head tile both sizes fit in: 32, 64 or 128 (0: neither fits).
int head_tile(int Dqk, int Dv) {
  const int d = std::max(pad16(Dqk), pad16(Dv));
  return d <= 32 ? 32 : d <= 64 ? 64 : d <= 128 ? 128 : 0;
}

// Shared memory of each kernel at head tile kD.
struct Smem {
  size_t forward, dq, dkv;
};
Smem smem_for(int kD) {
  const size_t row = sizeof(bf16) * kT * (kD + 8), col = sizeof(bf16) * kD * kLdCol,
               stats = 2 * sizeof(float) * kT;
  return {2 * row + col, 4 * row + col + stats, 4 * row + 2 * col + stats};
}

template <typename Kernel>
void prepare(Kernel kernel, size_t smem) {
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(smem)),
        "attention (mma): shared memory size");
}

// The bf16 copies of one call's inputs (and D), in this host thread's scratch; 16-byte aligned
// each.
struct Copies {
  bf16 *q, *k, *v, *dout;
  float* dsum;
};
Copies make_copies(const float* q, const float* k, const float* v, const float* dout,
                   const float* out, int N, int H, int KVH, int Dqk, int Dv) {
  thread_local DeviceScratch scratch;
  auto up = [](size_t n) { return (n + 63) / 64 * 64; };  // elements: 128-byte multiples
  const size_t nq = static_cast<size_t>(N) * H * Dqk, nk = static_cast<size_t>(N) * KVH * Dqk,
               nv = static_cast<size_t>(N) * KVH * Dv,
               no = dout ? static_cast<size_t>(N) * H * Dv : 0,
               nd = dout ? static_cast<size_t>(N) * H : 0;
  char* base = static_cast<char*>(
      scratch.get(sizeof(bf16) * (up(nq) + up(nk) + up(nv) + up(no)) + sizeof(float) * up(nd)));
  Copies c;
  c.q = reinterpret_cast<bf16*>(base);
  c.k = c.q + up(nq);
  c.v = c.k + up(nk);
  c.dout = c.v + up(nv);
  c.dsum = reinterpret_cast<float*>(c.dout + up(no));
  auto cast = [](bf16* dst, const float* src, size_t n) {
    if (n) cast_kernel<<<blocks_for(n, 256), 256, 0, stream()>>>(dst, src, n);
  };
  cast(c.q, q, nq);
  cast(c.k, k, nk);
  cast(c.v, v, nv);
  if (dout) {
    cast(c.dout, dout, no);
    dsum_kernel<<<blocks_for(nd, 8), 256, 0, stream()>>>(c.dsum, dout, out, nd, Dv);
  }
  check(cudaGetLastError(), "attention (mma): bf16 copies");
  return c;
}

template <int kD>
void forward_at(float* out, float* lse, const Copies& c, const int32_t* cu,
                const int32_t* prefix_of, int N, int S, int H, int KVH, int Dqk, int Dv,
                float scale) {
  const size_t smem = smem_for(kD).forward;
  prepare(forward_kernel<kD>, smem);
  forward_kernel<kD><<<dim3(tile_blocks(N, S), H), kMmaThreads, smem, stream()>>>(
      out, lse, c.q, c.k, c.v, cu, prefix_of, S, H, KVH, Dqk, Dv, scale);
  check(cudaGetLastError(), "attention_forward (mma)");
}

template <int kD>
void backward_at(float* dq, float* dk, float* dv, const float* lse, const Copies& c,
                 const int32_t* cu, const int32_t* prefix_of, int N, int S, int H, int KVH, int Dqk,
                 int Dv, float scale) {
  const Smem smem = smem_for(kD);
  prepare(dq_kernel<kD>, smem.dq);
  dq_kernel<kD><<<dim3(tile_blocks(N, S), H), kMmaThreads, smem.dq, stream()>>>(
      dq, c.dout, lse, c.dsum, c.q, c.k, c.v, cu, prefix_of, S, H, KVH, Dqk, Dv, scale);
  check(cudaGetLastError(), "attention_backward (mma): dq");
  prepare(dkv_kernel<kD>, smem.dkv);
  dkv_kernel<kD><<<dim3(tile_blocks(N, S), KVH), kMmaThreads, smem.dkv, stream()>>>(
      dk, dv, c.dout, lse, c.dsum, c.q, c.k, c.v, cu, prefix_of, S, H, KVH, Dqk, Dv, scale);
  check(cudaGetLastError(), "attention_backward (mma): dk, dv");
}

}  // namespace

bool attention_mma_applies(int Dqk, int Dv) {
  const char* mode = attention_override();
  if (mode && *mode && std::strcmp(mode, "mma") != 0) return false;  // wmma, tiled or rows
  const int kD = head_tile(Dqk, Dv);
  if (kD == 0) return false;
  static const int major = [] {  // one GPU per process (as max_smem and attention_tc.cu assume)
    int dev = 0, v = 0;
    check(cudaGetDevice(&dev), "cudaGetDevice");
    check(cudaDeviceGetAttribute(&v, cudaDevAttrComputeCapabilityMajor, dev), "compute capability");
    return v;
  }();
  return major >= 8 && smem_for(kD).dkv <= static_cast<size_t>(max_smem());
}

void attention_mma_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                           const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                           int KVH, int Dqk, int Dv, float scale) {
  const Copies c = make_copies(q, k, v, nullptr, nullptr, N, H, KVH, Dqk, Dv);
  switch (head_tile(Dqk, Dv)) {
    case 32:
      return forward_at<32>(out, lse, c, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
    case 64:
      return forward_at<64>(out, lse, c, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
    default:
      return forward_at<128>(out, lse, c, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
  }
}

void attention_mma_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                            const float* lse, const float* q, const float* k, const float* v,
                            const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                            int H, int KVH, int Dqk, int Dv, float scale) {
  const Copies c = make_copies(q, k, v, dout, out, N, H, KVH, Dqk, Dv);
  switch (head_tile(Dqk, Dv)) {
    case 32:
      return backward_at<32>(dq, dk, dv, lse, c, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv,
                             scale);
    case 64:
      return backward_at<64>(dq, dk, dv, lse, c, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv,
                             scale);
    default:
      return backward_at<128>(dq, dk, dv, lse, c, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv,
                              scale);
  }
}

}  // namespace r1::cuda
