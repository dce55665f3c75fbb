// Attention on the CUDA backend, row kernels: one thread block per (query row, head), keys in
// chunks of kChunk with an online softmax (running max and sum, rescaled per chunk), so only the
// log-sum-exp is saved, as the CPU op does. The same kernel serves the paged KV cache (decode)
// and, through a key source, packed causal sequences (training) where the tiled kernels
// (attention_tiled.cu) do not apply or R1_CUDA_ATTENTION=rows asks for these.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "kernels/cuda/attention_decode.h"
#include "kernels/cuda/attention_mma.h"
#include "kernels/cuda/attention_tc.h"
#include "kernels/cuda/attention_tiled.h"
#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/op_profile.h"

namespace r1::cuda {
namespace {

constexpr int kChunk = 256;
constexpr int kThreads = 128;

// Packed sequences: token n attends to its sequence's tokens up to itself, after all the tokens
// of the sequence's shared prefix when prefix_of names one (key j < Lp is prefix row j).
struct PackedKeys {
  const float *k, *v;
  const int32_t *cu, *prefix_of;
  int S;
  size_t ks, vs;  // row strides: KVH * Dqk, KVH * Dv
  __device__ int seq(int n) const {
    int lo = 0, hi = S - 1;  // the sequence s with cu[s] <= n < cu[s+1]
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (cu[mid] <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  __device__ int prefix_len(int s) const {
    const int p = prefix_of ? prefix_of[s] : -1;
    return p < 0 ? 0 : cu[p + 1] - cu[p];
  }
  __device__ int length(int n) const {
    const int s = seq(n);
    return prefix_len(s) + n - cu[s] + 1;
  }
  // The packed row of key j of token n (one search for its sequence, as without prefixes).
  __device__ size_t row(int n, int j) const {
    const int s = seq(n), lp = prefix_len(s);
    return j < lp ? static_cast<size_t>(cu[prefix_of[s]] + j) : static_cast<size_t>(cu[s] + j - lp);
  }
  __device__ const float* key(int n, int j) const { return k + row(n, j) * ks; }
  __device__ const float* val(int n, int j) const { return v + row(n, j) * vs; }
};

// The paged cache: token n reads kv_len[n] positions of slot seq_of[n] through the block table.
struct PagedKeys {
  const float *k, *v;
  const int32_t *table, *seq_of, *kv_len;
  int max_blocks, block_size;
  size_t ks, vs;
  __device__ int length(int n) const { return kv_len[n]; }
  __device__ size_t row(int n, int j) const {
    const int32_t* blocks = table + static_cast<size_t>(seq_of[n]) * max_blocks;
    return static_cast<size_t>(blocks[j / block_size]) * block_size + j % block_size;
  }
  __device__ const float* key(int n, int j) const { return k + row(n, j) * ks; }
  __device__ const float* val(int n, int j) const { return v + row(n, j) * vs; }
};

template <typename Keys>
__global__ void attention_rows_kernel(float* out, float* lse, const float* q, Keys src, int H, int KVH, int Dqk,
                                      int Dv, float scale) {
  extern __shared__ float sh[];
  const int n = blockIdx.x / H, h = blockIdx.x % H, g = h / (H / KVH);
  float* qs = sh;         // (Dqk)
  float* acc = qs + Dqk;  // (Dv)
  float* p = acc + Dv;    // (kChunk)
  const float* qi = q + (static_cast<size_t>(n) * H + h) * Dqk;
  for (int d = threadIdx.x; d < Dqk; d += blockDim.x) qs[d] = qi[d];
  for (int d = threadIdx.x; d < Dv; d += blockDim.x) acc[d] = 0.f;
  __syncthreads();
  const int len = src.length(n);
  float m = -INFINITY, l = 0.f;
  for (int c0 = 0; c0 < len; c0 += kChunk) {
    const int cn = min(kChunk, len - c0);
    float local_max = -INFINITY;
    for (int j = threadIdx.x; j < cn; j += blockDim.x) {
      const float* kr = src.key(n, c0 + j) + static_cast<size_t>(g) * Dqk;
      float s = 0.f;
      for (int d = 0; d < Dqk; ++d) s += qs[d] * kr[d];
      p[j] = s * scale;
      local_max = fmaxf(local_max, p[j]);
    }
    const float m_new = fmaxf(m, block_max(local_max));
    float local_sum = 0.f;
    for (int j = threadIdx.x; j < cn; j += blockDim.x) {
      p[j] = expf(p[j] - m_new);
      local_sum += p[j];
    }
    const float chunk_sum = block_sum(local_sum);  // also orders the p[] writes before the reads below
    const float f = expf(m - m_new);
    l = l * f + chunk_sum;
    for (int d = threadIdx.x; d < Dv; d += blockDim.x) {
      float a = acc[d] * f;
      for (int j = 0; j < cn; ++j) a += p[j] * src.val(n, c0 + j)[static_cast<size_t>(g) * Dv + d];
      acc[d] = a;
    }
    m = m_new;
    __syncthreads();
  }
  float* o = out + (static_cast<size_t>(n) * H + h) * Dv;
  for (int d = threadIdx.x; d < Dv; d += blockDim.x) o[d] = acc[d] / l;
  if (threadIdx.x == 0 && lse) lse[static_cast<size_t>(n) * H + h] = m + logf(l);
}

// Backward for packed causal attention, one block per (query row i, head h):
//   P_ij = exp(scale q_i.k_j - lse_i), dP_ij = dO_i.v_j, dS_ij = P_ij (dP_ij - dO_i.O_i) scale
//   dq_i = sum_j dS_ij k_j;  dk_j += dS_ij q_i;  dv_j += P_ij dO_i   (atomics across rows i)
__global__ void attention_backward_kernel(float* dq, float* dk, float* dv, const float* dout, const float* out,
                                          const float* lse, const float* q, PackedKeys src, int H, int KVH, int Dqk,
                                          int Dv, float scale) {
  extern __shared__ float sh[];
  const int n = blockIdx.x / H, h = blockIdx.x % H, g = h / (H / KVH);
  float* qs = sh;            // (Dqk)
  float* dos = qs + Dqk;     // (Dv)
  float* dqs = dos + Dv;     // (Dqk)
  float* p = dqs + Dqk;      // (kChunk)
  float* ds = p + kChunk;    // (kChunk)
  const size_t qrow = (static_cast<size_t>(n) * H + h) * Dqk, orow = (static_cast<size_t>(n) * H + h) * Dv;
  float di = 0.f;
  for (int d = threadIdx.x; d < Dqk; d += blockDim.x) {
    qs[d] = q[qrow + d];
    dqs[d] = 0.f;
  }
  for (int d = threadIdx.x; d < Dv; d += blockDim.x) {
    dos[d] = dout[orow + d];
    di += dos[d] * out[orow + d];
  }
  di = block_sum(di);
  const float l = lse[static_cast<size_t>(n) * H + h];
  const int len = src.length(n);
  for (int c0 = 0; c0 < len; c0 += kChunk) {
    const int cn = min(kChunk, len - c0);
    for (int j = threadIdx.x; j < cn; j += blockDim.x) {
      const float* kr = src.key(n, c0 + j) + static_cast<size_t>(g) * Dqk;
      const float* vr = src.val(n, c0 + j) + static_cast<size_t>(g) * Dv;
      float s = 0.f, dp = 0.f;
      for (int d = 0; d < Dqk; ++d) s += qs[d] * kr[d];
      for (int d = 0; d < Dv; ++d) dp += dos[d] * vr[d];
      p[j] = expf(s * scale - l);
      ds[j] = p[j] * (dp - di) * scale;
    }
    __syncthreads();
    for (int d = threadIdx.x; d < Dqk; d += blockDim.x) {
      float a = dqs[d];
      for (int j = 0; j < cn; ++j) a += ds[j] * src.key(n, c0 + j)[static_cast<size_t>(g) * Dqk + d];
      dqs[d] = a;
    }
    for (int e = threadIdx.x; e < cn * Dqk; e += blockDim.x) {
      const int j = e / Dqk, d = e % Dqk;
      atomicAdd(dk + src.row(n, c0 + j) * src.ks + static_cast<size_t>(g) * Dqk + d, ds[j] * qs[d]);
    }
    for (int e = threadIdx.x; e < cn * Dv; e += blockDim.x) {
      const int j = e / Dv, d = e % Dv;
      atomicAdd(dv + src.row(n, c0 + j) * src.vs + static_cast<size_t>(g) * Dv + d, p[j] * dos[d]);
    }
    __syncthreads();
  }
  for (int d = threadIdx.x; d < Dqk; d += blockDim.x) dq[qrow + d] = dqs[d];
}

// Every query head reads kv head h / (H / KVH): a bad pair would read out of bounds on the device.
void check_heads(int H, int KVH) {
  R1_CHECK(KVH > 0 && H % KVH == 0, "attention: H=", H, " is not a multiple of KVH=", KVH);
}

// Under R1_CUDA_PROFILE, says once per implementation which kernels training attention runs (the
// op profile names ops, not kernels).
void note_kernels(const char* which, int Dqk, int Dv) {
  static std::atomic<unsigned> said{0};
  const unsigned bit = 1u << (which[0] % 32);  // t(iled), r(ows), m(ma), w(mma): distinct bits
  if (profiling() && !(said.fetch_or(bit) & bit))
    std::fprintf(stderr, "[cuda] training attention: %s kernels (heads %d/%d)\n", which, Dqk, Dv);
}

// The packed batch's token count, cu_seqlens[S], read from the device.
int packed_tokens(const int32_t* cu_seqlens, int S, const char* op) {
  int N = 0;
  check(cudaMemcpy(&N, cu_seqlens + S, sizeof(int32_t), cudaMemcpyDeviceToHost), op);
  return N;
}

void forward_fp32(float* out, float* lse, const float* q, const float* k, const float* v, const int32_t* cu_seqlens,
                  const int32_t* prefix_of, int N, int S, int H, int KVH, int Dqk, int Dv, float scale) {
  if (attention_tiled_applies(Dqk, Dv)) {
    note_kernels("tiled (fp32)", Dqk, Dv);
    return attention_tiled_forward(out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
  }
  note_kernels("rows (fp32)", Dqk, Dv);
  const PackedKeys src{k, v, cu_seqlens, prefix_of, S, static_cast<size_t>(KVH) * Dqk, static_cast<size_t>(KVH) * Dv};
  const size_t shmem = sizeof(float) * (Dqk + Dv + kChunk);
  attention_rows_kernel<<<static_cast<unsigned>(N) * H, kThreads, shmem, stream()>>>(
      out, lse, q, src, H, KVH, Dqk, Dv, scale);
  check_launch("attention_forward");
}

void backward_fp32(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                   const float* q, const float* k, const float* v, const int32_t* cu_seqlens, const int32_t* prefix_of,
                   int N, int S, int H, int KVH, int Dqk, int Dv, float scale) {
  if (attention_tiled_applies(Dqk, Dv))
    return attention_tiled_backward(dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv,
                                    scale);
  check(cudaMemsetAsync(dk, 0, sizeof(float) * N * KVH * Dqk, stream()),
        "attention_backward: zero dk");
  check(cudaMemsetAsync(dv, 0, sizeof(float) * N * KVH * Dv, stream()),
        "attention_backward: zero dv");
  const PackedKeys src{k, v, cu_seqlens, prefix_of, S, static_cast<size_t>(KVH) * Dqk, static_cast<size_t>(KVH) * Dv};
  const size_t shmem = sizeof(float) * (2 * Dqk + Dv + 2 * kChunk);
  attention_backward_kernel<<<static_cast<unsigned>(N) * H, kThreads, shmem, stream()>>>(
      dq, dk, dv, dout, out, lse, q, src, H, KVH, Dqk, Dv, scale);
  check_launch("attention_backward");
}

}  // namespace

void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                       const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv,
                       float scale) {
  check_heads(H, KVH);
  const int N = packed_tokens(cu_seqlens, S, "attention_forward: read N");
  if (N > 0) forward_fp32(out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                        const float* q, const float* k, const float* v, const int32_t* cu_seqlens,
                        const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv, float scale) {
  check_heads(H, KVH);
  const int N = packed_tokens(cu_seqlens, S, "attention_backward: read N");
  if (N > 0) backward_fp32(dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
}

void attention_forward_bf16(float* out, float* lse, const float* q, const float* k, const float* v,
                            const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH, int Dqk,
                            int Dv, float scale) {
  check_heads(H, KVH);
  const int N = packed_tokens(cu_seqlens, S, "attention_forward: read N");
  if (N == 0) return;
  if (attention_mma_applies(Dqk, Dv)) {
    note_kernels("mma (bf16)", Dqk, Dv);
    return attention_mma_forward(out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
  }
  if (attention_tc_applies(Dqk, Dv)) {
    note_kernels("wmma (bf16)", Dqk, Dv);
    return attention_tc_forward(out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
  }
  forward_fp32(out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
}

void attention_backward_bf16(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                             const float* q, const float* k, const float* v, const int32_t* cu_seqlens,
                             const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv, float scale) {
  check_heads(H, KVH);
  const int N = packed_tokens(cu_seqlens, S, "attention_backward: read N");
  if (N == 0) return;
  if (attention_mma_applies(Dqk, Dv))
    return attention_mma_backward(dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv,
                                  scale);
  if (attention_tc_applies(Dqk, Dv))
    return attention_tc_backward(dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv,
                                 scale);
  backward_fp32(dq, dk, dv, dout, out, lse, q, k, v, cu_seqlens, prefix_of, N, S, H, KVH, Dqk, Dv, scale);
}

void attention_paged_forward(float* out, const float* q, const float* k_pool, const float* v_pool, int v_row,
                             const int32_t* block_table, int max_blocks, int block_size, const int32_t* seq_of,
                             const int32_t* kv_len, int N, int H, int KVH, int Dqk, int Dv, float scale) {
  check_heads(H, KVH);
  if (N == 0) return;
  if (attention_decode_applies(H, KVH, Dqk, Dv))
    return attention_decode_forward(out, q, k_pool, v_pool, v_row, block_table, max_blocks, block_size, seq_of, kv_len,
                                    N, H, KVH, Dqk, Dv, scale);
  const PagedKeys src{k_pool, v_pool, block_table, seq_of, kv_len, max_blocks, block_size,
                      static_cast<size_t>(KVH) * Dqk, static_cast<size_t>(v_row)};
  const size_t shmem = sizeof(float) * (Dqk + Dv + kChunk);
  attention_rows_kernel<<<static_cast<unsigned>(N) * H, kThreads, shmem, stream()>>>(
      out, nullptr, q, src, H, KVH, Dqk, Dv, scale);
  check_launch("attention_paged_forward");
}

}  // namespace r1::cuda
