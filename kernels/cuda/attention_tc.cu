// Tiled attention on tensor cores, for the bf16 backend: attention_tiled.cu's blocks and loops
// (FlashAttention-2's scheme: a 64 x 64 tile of scores at a time, the log-sum-exp saved, P
// recomputed in the backward pass, dK/dV rows each written by one block), with every tile product
// done by WMMA on bf16 operands with fp32 accumulation:
//   S = Q K^T and dP = dO V^T                       (scores_mma)
//   O += P V, dQ += dS K, dV += P^T dO, dK += dS^T Q  (acc_mma)
// Q, K, V and dO are rounded to bf16 as they are loaded into shared memory, and P and dS as they
// are written there; the softmax statistics, D = rowsum(bf16(dO) * O) and every accumulator stay
// fp32.
// Accumulators live in shared memory (a WMMA fragment's element order is unspecified, and the
// online softmax rescales whole rows between products).
//
// Shared memory per block (128-byte aligned regions): with head size 128, 110 KB forward and
// 187 KB for dK/dV; with MLA's 192/128, 219 KB for dK/dV. That fits Hopper's 227 KB, not
// Ampere's 163 KB, where attention_tc_applies says no and the fp32 kernels run.
#include <cuda_bf16.h>
#include <mma.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "kernels/cuda/attention_tc.h"
#include "kernels/cuda/attention_tiles.cuh"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

using namespace tiles;  // kT (64), kThreads (256: 8 warps), and the helpers of attention_tiles.cuh
using namespace nvcuda;
using bf16 = __nv_bfloat16;

constexpr int kMaxD = 256;
constexpr int kLdS = kT + 4;  // an fp32 score row (floats; WMMA wants a multiple of 4)
constexpr int kLdP =
    kT + 8;  // a bf16 probability row (WMMA wants a multiple of 8; +8 spreads banks)

__host__ __device__ constexpr int pad16(int d) {
  return (d + 15) / 16 * 16;
}
// A bf16 row of a head, and an fp32 accumulator row.
__host__ __device__ constexpr int ld_bf16(int d) {
  return pad16(d) + 8;
}
__host__ __device__ constexpr int ld_acc(int d) {
  return pad16(d) + 4;
}

// Consecutive regions of shared memory, each 128-byte aligned (WMMA needs 32). From a kernel's
// dynamic shared memory it hands out the tiles; from address 0 on the host it sizes them, so the
// two cannot disagree.
class Carve {
 public:
  __host__ __device__ explicit Carve(uintptr_t base) : at_(align(base)), start_(at_) {}
  template <typename T>
  __host__ __device__ T* take(size_t n) {
    T* r = reinterpret_cast<T*>(at_);
    at_ = align(at_ + n * sizeof(T));
    return r;
  }
  __host__ __device__ size_t used() const { return at_ - start_; }

 private:
  __host__ __device__ static uintptr_t align(uintptr_t a) { return (a + 127) & ~uintptr_t{127}; }
  uintptr_t at_, start_;
};

// dst (kT, ld) bf16 <- rows of src (row r of the tile = packed row row_of(r), head offset col0,
// D wide); zeros past n rows and from D up to the padded width.
template <typename RowOf>
__device__ void load_tile_bf16(bf16* dst, int ld, const float* src, size_t row_stride, int col0,
                               int D, int n, RowOf row_of) {
  const int Dp = pad16(D);
  for (int e = threadIdx.x; e < kT * Dp; e += kThreads) {
    const int r = e / Dp, d = e - r * Dp;
    const float x =
        r < n && d < D ? src[static_cast<size_t>(row_of(r)) * row_stride + col0 + d] : 0.f;
    dst[r * ld + d] = __float2bfloat16_rn(x);
  }
}

__device__ void zero(float* p, int n) {
  for (int e = threadIdx.x; e < n; e += kThreads) p[e] = 0.f;
}

// S (kT x kT, rows kLdS apart) = A B^T, A and B (kT x Dp) bf16 with rows ld apart. Warp w makes
// the 16 x 16 blocks w and w + 8.
__device__ void scores_mma(float* S, const bf16* A, const bf16* B, int ld, int Dp) {
  const int warp = threadIdx.x / 32;
  for (int f = warp; f < 16; f += 8) {
    const int bi = f / 4, bj = f % 4;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
    wmma::fill_fragment(c, 0.f);
    for (int kk = 0; kk < Dp; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> a;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major>
          b;  // B^T: B's rows as columns
      wmma::load_matrix_sync(a, A + bi * 16 * ld + kk, ld);
      wmma::load_matrix_sync(b, B + bj * 16 * ld + kk, ld);
      wmma::mma_sync(c, a, b, c);
    }
    wmma::store_matrix_sync(S + bi * 16 * kLdS + bj * 16, c, kLdS, wmma::mem_row_major);
  }
}

// acc (kT x Dp fp32, rows lda apart) += P X, where P (kT x kT bf16, rows kLdP apart) is read as
// is or transposed (acc row i takes column i of P), and X is (kT x Dp) bf16 with rows ldx apart.
template <bool kTransposedP>
__device__ void acc_mma(float* acc, int lda, const bf16* P, const bf16* X, int ldx, int Dp) {
  using PLayout = std::conditional_t<kTransposedP, wmma::col_major, wmma::row_major>;
  const int warp = threadIdx.x / 32, nb = Dp / 16;
  for (int f = warp; f < 4 * nb; f += 8) {
    const int bi = f / nb, bj = f % nb;
    float* cp = acc + bi * 16 * lda + bj * 16;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
    wmma::load_matrix_sync(c, cp, lda, wmma::mem_row_major);
    for (int kk = 0; kk < kT; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, PLayout> a;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> b;
      wmma::load_matrix_sync(a, kTransposedP ? P + kk * kLdP + bi * 16 : P + bi * 16 * kLdP + kk,
                             kLdP);
      wmma::load_matrix_sync(b, X + kk * ldx + bj * 16, ldx);
      wmma::mma_sync(c, a, b, c);
    }
    wmma::store_matrix_sync(cp, c, lda, wmma::mem_row_major);
  }
}

// ---- each kernel's tiles in shared memory: carve(tiles, base, Dqk, Dv) lays them out from base
// and returns the bytes used; smem_bytes<Tiles> is what a launch asks for (with room to align) ----
struct ForwardTiles {
  bf16 *Qs, *Ks, *Vs;
  float* Ss;
  bf16* Ps;
  float* Os;  // the output accumulator
};
__host__ __device__ inline size_t carve(ForwardTiles& t, uintptr_t base, int Dqk, int Dv) {
  Carve c(base);
  t.Qs = c.take<bf16>(kT * ld_bf16(Dqk));
  t.Ks = c.take<bf16>(kT * ld_bf16(Dqk));
  t.Vs = c.take<bf16>(kT * ld_bf16(Dv));
  t.Ss = c.take<float>(kT * kLdS);
  t.Ps = c.take<bf16>(kT * kLdP);
  t.Os = c.take<float>(kT * ld_acc(Dv));
  return c.used();
}

struct DqTiles {
  bf16 *Qs, *Ks, *dOs, *Vs;
  float *Ss, *dPs;
  bf16* dSs;
  float *dQs, *Ls, *Ds;
};
__host__ __device__ inline size_t carve(DqTiles& t, uintptr_t base, int Dqk, int Dv) {
  Carve c(base);
  t.Qs = c.take<bf16>(kT * ld_bf16(Dqk));
  t.Ks = c.take<bf16>(kT * ld_bf16(Dqk));
  t.dOs = c.take<bf16>(kT * ld_bf16(Dv));
  t.Vs = c.take<bf16>(kT * ld_bf16(Dv));
  t.Ss = c.take<float>(kT * kLdS);
  t.dPs = c.take<float>(kT * kLdS);
  t.dSs = c.take<bf16>(kT * kLdP);
  t.dQs = c.take<float>(kT * ld_acc(Dqk));
  t.Ls = c.take<float>(kT);
  t.Ds = c.take<float>(kT);
  return c.used();
}

struct DkvTiles {
  bf16 *Ks, *Qs, *Vs, *dOs;  // this block's keys and values; a query tile and its dO
  float *Ss, *dPs;
  bf16 *Ps, *dSs;
  float *dKs, *dVs, *Ls, *Ds;
};
__host__ __device__ inline size_t carve(DkvTiles& t, uintptr_t base, int Dqk, int Dv) {
  Carve c(base);
  t.Ks = c.take<bf16>(kT * ld_bf16(Dqk));
  t.Qs = c.take<bf16>(kT * ld_bf16(Dqk));
  t.Vs = c.take<bf16>(kT * ld_bf16(Dv));
  t.dOs = c.take<bf16>(kT * ld_bf16(Dv));
  t.Ss = c.take<float>(kT * kLdS);
  t.dPs = c.take<float>(kT * kLdS);
  t.Ps = c.take<bf16>(kT * kLdP);
  t.dSs = c.take<bf16>(kT * kLdP);
  t.dKs = c.take<float>(kT * ld_acc(Dqk));
  t.dVs = c.take<float>(kT * ld_acc(Dv));
  t.Ls = c.take<float>(kT);
  t.Ds = c.take<float>(kT);
  return c.used();
}

template <typename Tiles>
size_t smem_bytes(int Dqk, int Dv) {
  Tiles t;
  return 128 + carve(t, 0, Dqk, Dv);  // 128: the kernel's base may need aligning
}

__global__ void __launch_bounds__(kThreads)
    forward_kernel(float* out, float* lse, const float* q, const float* k, const float* v,
                   const int32_t* cu, const int32_t* prefix_of, int S, int H, int KVH, int Dqk,
                   int Dv, float scale) {
  QueryTile t;
  if (!query_tile(t, cu, prefix_of, S, H, KVH)) return;
  const int s = t.s, q0 = t.q0, nq = t.nq, qbase = t.qbase, Lp = t.Lp, h = t.h, g = t.g;
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  const int ldq = ld_bf16(Dqk), ldv = ld_bf16(Dv), ldo = ld_acc(Dv), Dvp = pad16(Dv);
  extern __shared__ char smem[];
  ForwardTiles sh;
  carve(sh, reinterpret_cast<uintptr_t>(smem), Dqk, Dv);
  load_tile_bf16(sh.Qs, ldq, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq,
                 [&](int r) { return qbase + r; });
  zero(sh.Os, kT * ldo);

  float m[4], l[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.f;
  }
  const int n_keys = Lp + q0 + nq;  // the last query of the tile sees keys [0, n_keys)
  for (int k0 = 0; k0 < n_keys; k0 += kT) {
    const int nk = min(kT, n_keys - k0);
    __syncthreads();  // the previous tile's Ks, Vs and Ps are read, and Os written, by now
    auto row_of = [&](int r) { return key_row(cu, prefix_of, s, Lp, k0 + r); };
    load_tile_bf16(sh.Ks, ldq, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, row_of);
    load_tile_bf16(sh.Vs, ldv, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, row_of);
    __syncthreads();
    scores_mma(sh.Ss, sh.Qs, sh.Ks, ldq, pad16(Dqk));
    __syncthreads();
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int r = ty + 16 * i;
      float sc[4], mx = -INFINITY;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int c = tx + 16 * j;
        const bool ok = r < nq && c < nk && k0 + c <= Lp + q0 + r;
        sc[j] = ok ? sh.Ss[r * kLdS + c] * scale : -INFINITY;
        mx = fmaxf(mx, sc[j]);
      }
      const float m_new = fmaxf(m[i], row_max(mx));
      const float base = m_new == -INFINITY ? 0.f : m_new;  // a row with nothing seen yet
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const bf16 p = __float2bfloat16_rn(expf(sc[j] - base));
        sh.Ps[r * kLdP + tx + 16 * j] = p;
        sum += __bfloat162float(p);  // the weights O is made of, so O stays their weighted mean
      }
      const float f = expf(m[i] - base);
      l[i] = l[i] * f + row_sum(sum);
      for (int d = tx; d < Dvp; d += 16) sh.Os[r * ldo + d] *= f;
      m[i] = m_new;
    }
    __syncthreads();
    acc_mma<false>(sh.Os, ldo, sh.Ps, sh.Vs, ldv, Dvp);
  }
  __syncthreads();
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = ty + 16 * i;
    if (r >= nq) continue;
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
    for (int d = tx; d < Dv; d += 16) out[row * Dv + d] = sh.Os[r * ldo + d] / l[i];
    if (tx == 0 && lse) lse[row] = m[i] + logf(l[i]);
  }
}

// P = exp(scale S - lse) and dS = P (dP - D) scale of a score tile in shared memory, written as
// bf16 (P only where Ps is given), 0 where !visible(r, c).
template <typename Visible>
__device__ void probs_and_dscores(bf16* Ps, bf16* dSs, const float* Ss, const float* dPs,
                                  const float* Ls, const float* Ds, float scale, Visible visible) {
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int r = ty + 16 * i, c = tx + 16 * j;
      const float p = visible(r, c) ? expf(Ss[r * kLdS + c] * scale - Ls[r]) : 0.f;
      if (Ps) Ps[r * kLdP + c] = __float2bfloat16_rn(p);
      dSs[r * kLdP + c] = __float2bfloat16_rn(p * (dPs[r * kLdS + c] - Ds[r]) * scale);
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
  const int ldq = ld_bf16(Dqk), ldv = ld_bf16(Dv), lda = ld_acc(Dqk), Dqp = pad16(Dqk);
  extern __shared__ char smem[];
  DqTiles sh;
  carve(sh, reinterpret_cast<uintptr_t>(smem), Dqk, Dv);
  auto query_of = [&](int r) { return qbase + r; };
  load_tile_bf16(sh.Qs, ldq, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq, query_of);
  load_tile_bf16(sh.dOs, ldv, dout, static_cast<size_t>(H) * Dv, h * Dv, Dv, nq, query_of);
  load_row_stats<true>(sh.Ls, sh.Ds, dout, out, lse, qbase, nq, h, H, Dv);
  zero(sh.dQs, kT * lda);

  const int n_keys = Lp + q0 + nq;
  for (int k0 = 0; k0 < n_keys; k0 += kT) {
    const int nk = min(kT, n_keys - k0);
    __syncthreads();
    auto row_of = [&](int r) { return key_row(cu, prefix_of, s, Lp, k0 + r); };
    load_tile_bf16(sh.Ks, ldq, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, row_of);
    load_tile_bf16(sh.Vs, ldv, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, row_of);
    __syncthreads();
    scores_mma(sh.Ss, sh.Qs, sh.Ks, ldq, Dqp);
    scores_mma(sh.dPs, sh.dOs, sh.Vs, ldv, pad16(Dv));
    __syncthreads();
    probs_and_dscores(nullptr, sh.dSs, sh.Ss, sh.dPs, sh.Ls, sh.Ds, scale,
                      [&](int r, int c) { return r < nq && c < nk && k0 + c <= Lp + q0 + r; });
    __syncthreads();
    acc_mma<false>(sh.dQs, lda, sh.dSs, sh.Ks, ldq, Dqp);
  }
  __syncthreads();
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = ty + 16 * i;
    if (r >= nq) continue;
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
    for (int d = tx; d < Dqk; d += 16) dq[row * Dqk + d] = sh.dQs[r * lda + d];
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
  const int ldq = ld_bf16(Dqk), ldv = ld_bf16(Dv), ldk_acc = ld_acc(Dqk), ldv_acc = ld_acc(Dv);
  const int Dqp = pad16(Dqk), Dvp = pad16(Dv);
  extern __shared__ char smem[];
  DkvTiles sh;
  carve(sh, reinterpret_cast<uintptr_t>(smem), Dqk, Dv);
  const int kbase = cu[sk] + k0;
  auto key_of = [&](int r) { return kbase + r; };
  load_tile_bf16(sh.Ks, ldq, k, static_cast<size_t>(KVH) * Dqk, g * Dqk, Dqk, nk, key_of);
  load_tile_bf16(sh.Vs, ldv, v, static_cast<size_t>(KVH) * Dv, g * Dv, Dv, nk, key_of);
  zero(sh.dKs, kT * ldk_acc);
  zero(sh.dVs, kT * ldv_acc);

  // One query tile (for_each_query_tile says which, and what it sees).
  auto visit = [&](int sq, int q0, int nq, int key_at, int Lq) {
    for (int hh = 0; hh < group; ++hh) {
      const int h = g * group + hh, qbase = cu[sq] + q0;
      __syncthreads();  // the previous tile's Qs, dOs, Ps and dSs are no longer read
      auto query_of = [&](int r) { return qbase + r; };
      load_tile_bf16(sh.Qs, ldq, q, static_cast<size_t>(H) * Dqk, h * Dqk, Dqk, nq, query_of);
      load_tile_bf16(sh.dOs, ldv, dout, static_cast<size_t>(H) * Dv, h * Dv, Dv, nq, query_of);
      load_row_stats<true>(sh.Ls, sh.Ds, dout, out, lse, qbase, nq, h, H, Dv);
      __syncthreads();
      scores_mma(sh.Ss, sh.Qs, sh.Ks, ldq, Dqp);  // (query, key)
      scores_mma(sh.dPs, sh.dOs, sh.Vs, ldv, Dvp);
      __syncthreads();
      probs_and_dscores(sh.Ps, sh.dSs, sh.Ss, sh.dPs, sh.Ls, sh.Ds, scale, [&](int r, int c) {
        return r < nq && c < nk && key_at + c <= Lq + q0 + r;
      });
      __syncthreads();
      // dV[key] += sum over queries of P[query][key] dO[query]; dK likewise with dS and Q.
      acc_mma<true>(sh.dVs, ldv_acc, sh.Ps, sh.dOs, ldv, Dvp);
      acc_mma<true>(sh.dKs, ldk_acc, sh.dSs, sh.Qs, ldq, Dqp);
    }
  };
  for_each_query_tile(cu, prefix_of, S, sk, k0, visit);
  __syncthreads();
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int r = ty + 16 * i;
    if (r >= nk) continue;
    const size_t row = static_cast<size_t>(kbase + r) * KVH + g;
    for (int d = tx; d < Dqk; d += 16) dk[row * Dqk + d] = sh.dKs[r * ldk_acc + d];
    for (int d = tx; d < Dv; d += 16) dv[row * Dv + d] = sh.dVs[r * ldv_acc + d];
  }
}

int compute_major() {
  static const int major = [] {
    int dev = 0, v = 0;
    check(cudaGetDevice(&dev), "cudaGetDevice");
    check(cudaDeviceGetAttribute(&v, cudaDevAttrComputeCapabilityMajor, dev), "compute capability");
    return v;
  }();
  return major;
}

}  // namespace

bool attention_tc_applies(int Dqk, int Dv) {
  const char* mode = attention_override();
  if (mode && (std::strcmp(mode, "rows") == 0 || std::strcmp(mode, "tiled") == 0)) return false;
  if (Dqk > kMaxD || Dv > kMaxD || compute_major() < 8) return false;  // bf16 WMMA: sm_80 and up
  return smem_bytes<DkvTiles>(Dqk, Dv) <= static_cast<size_t>(max_smem());
}

namespace {

Kernels tc_kernels(int Dqk, int Dv) {
  return {"attention (tensor cores)",
          forward_kernel, smem_bytes<ForwardTiles>(Dqk, Dv),
          dq_kernel,      smem_bytes<DqTiles>(Dqk, Dv),
          dkv_kernel,     smem_bytes<DkvTiles>(Dqk, Dv)};
}

}  // namespace

void attention_tc_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                          const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                          int KVH, int Dqk, int Dv, float scale) {
  launch_forward(tc_kernels(Dqk, Dv), out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk,
                 Dv, scale);
}

void attention_tc_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                           const float* lse, const float* q, const float* k, const float* v,
                           const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                           int KVH, int Dqk, int Dv, float scale) {
  launch_backward(tc_kernels(Dqk, Dv), dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of,
                  N, S, H, KVH, Dqk, Dv, scale);
}

}  // namespace r1::cuda
