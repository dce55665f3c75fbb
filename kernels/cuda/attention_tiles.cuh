// What the two tiled attention implementations share (attention_tiled.cu on CUDA cores in fp32,
// attention_tc.cu on tensor cores in bf16): where a block's tile lies in the packed batch, which
// keys a sequence sees (its shared prefix first), the per-row reductions of a 64-wide score tile,
// the log-sum-exp and D = rowsum(dO * O) of a query tile, and the shared-memory limit.
#pragma once
#include <cstddef>
#include <cstdint>

#include <cuda_bf16.h>

#include "kernels/cuda/common.cuh"

namespace r1::cuda::tiles {

constexpr int kT = 64;         // queries or keys per tile
constexpr int kThreads = 256;  // a 16 x 16 grid (ty, tx) over a score tile; 8 warps

// Tile b of the packed batch: sequence s, first local position t0. Every thread computes it (the
// same answer), so a block past the last tile leaves before any barrier.
__device__ inline bool find_tile(const int32_t* cu, int S, int b, int& s, int& t0) {
  for (s = 0; s < S; ++s) {
    const int tiles = (cu[s + 1] - cu[s] + kT - 1) / kT;
    if (b < tiles) {
      t0 = b * kT;
      return true;
    }
    b -= tiles;
  }
  return false;
}

__device__ inline int prefix_len(const int32_t* cu, const int32_t* prefix_of, int s) {
  const int p = prefix_of ? prefix_of[s] : -1;
  return p < 0 ? 0 : cu[p + 1] - cu[p];
}

// The packed row of key j of sequence s (j < Lp: row j of its prefix).
__device__ inline int key_row(const int32_t* cu, const int32_t* prefix_of, int s, int Lp, int j) {
  return j < Lp ? cu[prefix_of[s]] + j : cu[s] + j - Lp;
}

// The query tile of this block (blockIdx.x over the tiles of every sequence, blockIdx.y the query
// head): sequence s, local positions [q0, q0 + nq), packed rows from qbase, its shared prefix's
// length Lp, head h of kv head g. False past the last tile.
struct QueryTile {
  int s, q0, nq, qbase, Lp, h, g;
};
__device__ inline bool query_tile(QueryTile& t, const int32_t* cu, const int32_t* prefix_of, int S,
                                  int H, int KVH) {
  if (!find_tile(cu, S, blockIdx.x, t.s, t.q0)) return false;
  t.nq = min(kT, cu[t.s + 1] - cu[t.s] - t.q0);
  t.qbase = cu[t.s] + t.q0;
  t.Lp = prefix_len(cu, prefix_of, t.s);
  t.h = blockIdx.y;
  t.g = t.h / (H / KVH);
  return true;
}

// Every query tile that sees keys [k0, k0 + kT) of sequence sk, for the dK/dV kernels:
// visit(sq, q0, nq, key_at, Lq) for query positions [q0, q0 + nq) of sequence sq, where key c of
// the tile sits at index key_at + c of sq's keys and query r sees it when key_at + c <= Lq + q0 +
// r.
template <typename Visit>
__device__ void for_each_query_tile(const int32_t* cu, const int32_t* prefix_of, int S, int sk,
                                    int k0, Visit visit) {
  const int len_k = cu[sk + 1] - cu[sk];
  // The sequence's own queries from the key tile on (earlier ones see none of its keys).
  const int Lk = prefix_len(cu, prefix_of, sk);
  for (int q0 = k0; q0 < len_k; q0 += kT) visit(sk, q0, min(kT, len_k - q0), Lk + k0, Lk);
  // Every sequence that reads sk as its shared prefix: all its queries see all of sk's keys.
  if (prefix_of) {
    for (int s = 0; s < S; ++s) {
      if (prefix_of[s] != sk) continue;
      const int len = cu[s + 1] - cu[s];
      for (int q0 = 0; q0 < len; q0 += kT) visit(s, q0, min(kT, len - q0), k0, len_k);
    }
  }
}

// Reduction over the 16 threads of one score row (lanes of one half-warp).
__device__ inline float row_max(float v) {
  for (int o = 8; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ inline float row_sum(float v) {
  for (int o = 8; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// For query rows [qbase, qbase + nq) of head h: Ls = the log-sum-exp, Ds = rowsum(dO * O)
// (0 past nq), 4 threads per row. kBf16DO: dO rounded to bf16 first, as the tensor-core kernels
// use it in dP = dO V^T, so that D stays the P-weighted mean of the dP they compute.
template <bool kBf16DO = false>
__device__ inline void load_row_stats(float* Ls, float* Ds, const float* dout, const float* out,
                                      const float* lse, int qbase, int nq, int h, int H, int Dv) {
  const int r = threadIdx.x / 4, part = threadIdx.x % 4;
  float d = 0.f;
  if (r < nq) {
    const size_t row = static_cast<size_t>(qbase + r) * H + h;
    for (int e = part; e < Dv; e += 4) {
      const float g =
          kBf16DO ? __bfloat162float(__float2bfloat16_rn(dout[row * Dv + e])) : dout[row * Dv + e];
      d += g * out[row * Dv + e];
    }
  }
  d += __shfl_xor_sync(0xffffffffu, d, 1);
  d += __shfl_xor_sync(0xffffffffu, d, 2);
  if (part == 0) {
    Ds[r] = d;
    Ls[r] = r < nq ? lse[static_cast<size_t>(qbase + r) * H + h] : 0.f;
  }
}

// The GPU's opt-in shared memory per block, in bytes.
inline int max_smem() {
  static const int bytes = [] {
    int dev = 0, v = 0;
    check(cudaGetDevice(&dev), "cudaGetDevice");
    check(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev),
          "shared memory limit");
    return v;
  }();
  return bytes;
}

template <typename Kernel>
void allow_smem(Kernel kernel, size_t bytes) {
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(bytes)),
        "attention: shared memory size");
}

// The three kernels of a tiled implementation (attention_tiled.cu and attention_tc.cu have the
// same signatures), the shared memory each needs, and their launches: one block per query tile
// and head (forward, dQ), and per key tile and kv head (dK, dV).
using ForwardKernel = void (*)(float* out, float* lse, const float* q, const float* k,
                               const float* v, const int32_t* cu, const int32_t* prefix_of, int S,
                               int H, int KVH, int Dqk, int Dv, float scale);
using DqKernel = void (*)(float* dq, const float* dout, const float* out, const float* lse,
                          const float* q, const float* k, const float* v, const int32_t* cu,
                          const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv,
                          float scale);
using DkvKernel = void (*)(float* dk, float* dv, const float* dout, const float* out,
                           const float* lse, const float* q, const float* k, const float* v,
                           const int32_t* cu, const int32_t* prefix_of, int S, int H, int KVH,
                           int Dqk, int Dv, float scale);
struct Kernels {
  const char* name;  // for errors: "tiled", "tensor cores"
  ForwardKernel forward;
  size_t forward_smem;
  DqKernel dq;
  size_t dq_smem;
  DkvKernel dkv;
  size_t dkv_smem;
};

// At least as many blocks as the tiles of all sequences (those past the last return at once).
inline unsigned tile_blocks(int N, int S) {
  return static_cast<unsigned>((N + kT - 1) / kT + S);
}

inline void launch_forward(const Kernels& k, float* out, float* lse, const float* q,
                           const float* kk, const float* v, const int32_t* cu,
                           const int32_t* prefix_of, int N, int S, int H, int KVH, int Dqk, int Dv,
                           float scale) {
  allow_smem(k.forward, k.forward_smem);
  k.forward<<<dim3(tile_blocks(N, S), H), kThreads, k.forward_smem, stream()>>>(
      out, lse, q, kk, v, cu, prefix_of, S, H, KVH, Dqk, Dv, scale);
  check(cudaGetLastError(), k.name);
}

inline void launch_backward(const Kernels& k, float* dq, float* dk, float* dv, const float* dout,
                            const float* out, const float* lse, const float* q, const float* kk,
                            const float* v, const int32_t* cu, const int32_t* prefix_of, int N,
                            int S, int H, int KVH, int Dqk, int Dv, float scale) {
  allow_smem(k.dq, k.dq_smem);
  k.dq<<<dim3(tile_blocks(N, S), H), kThreads, k.dq_smem, stream()>>>(
      dq, dout, out, lse, q, kk, v, cu, prefix_of, S, H, KVH, Dqk, Dv, scale);
  check(cudaGetLastError(), k.name);
  allow_smem(k.dkv, k.dkv_smem);
  k.dkv<<<dim3(tile_blocks(N, S), KVH), kThreads, k.dkv_smem, stream()>>>(
      dk, dv, dout, out, lse, q, kk, v, cu, prefix_of, S, H, KVH, Dqk, Dv, scale);
  check(cudaGetLastError(), k.name);
}

}  // namespace r1::cuda::tiles
