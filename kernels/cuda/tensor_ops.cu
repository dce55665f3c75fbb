// Elementwise, layout and gather/scatter ops of the CUDA backend: one thread per element unless
// noted. Each mirrors its CPU twin in kernels/cpu (tensor_ops, embedding, rope, mla, attention's
// kv_cache_write, moe's expert_bias_update).
#include <cmath>
#include <vector>

#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

__global__ void add_kernel(float* y, const float* x, size_t n) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] += x[i];
}

__global__ void scale_kernel(float* x, size_t n, float s) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) x[i] *= s;
}

// Element (n, j) of the (N, wa + wb + wc) row goes to (or comes from) its column block.
__global__ void split3_kernel(float* a, int wa, float* b, int wb, float* c, int wc, const float* src, int N,
                              bool concat) {
  const int W = wa + wb + wc;
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * W) return;
  const size_t n = i / W;
  const int j = static_cast<int>(i % W);
  float* part;
  if (j < wa) part = a + n * wa + j;
  else if (j < wa + wb) part = b + n * wb + (j - wa);
  else part = c + n * wc + (j - wa - wb);
  float* whole = const_cast<float*>(src) + i;
  if (concat) *whole = *part;
  else *part = *whole;
}

__global__ void gather_rows_kernel(float* dst, const float* src, const int32_t* rows, int R, int C) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(R) * C) return;
  const size_t r = i / C, c = i % C;
  dst[i] = src[static_cast<size_t>(rows[r]) * C + c];
}

__global__ void copy_2d_kernel(float* dst, int ldd, const float* src, int lds, int rows, int cols) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(rows) * cols) return;
  const size_t r = i / cols, c = i % cols;
  dst[r * ldd + c] = src[r * lds + c];
}

__global__ void embedding_backward_kernel(float* dwte, const float* dout, const int32_t* ids, int N, int C) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * C) return;
  const size_t n = i / C, c = i % C;
  atomicAdd(dwte + static_cast<size_t>(ids[n]) * C + c, dout[i]);
}

// One thread per (token, head, pair).
__global__ void rope_kernel(float* x, const int32_t* pos, int N, int H, int D, const float* cos, const float* sin,
                            int stride, bool interleaved, float sign) {
  const int half = D / 2;
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * H * half) return;
  const int p = static_cast<int>(i % half);
  const size_t nh = i / half, n = nh / H;
  float* v = x + nh * stride;
  const int ia = interleaved ? 2 * p : p, ib = interleaved ? 2 * p + 1 : p + half;
  const size_t t = static_cast<size_t>(pos[n]) * half + p;
  const float c = cos[t], s = sign * sin[t], a0 = v[ia], b0 = v[ib];
  v[ia] = a0 * c - b0 * s;
  v[ib] = b0 * c + a0 * s;
}

// One thread per (token, head, element of Dn + Dr + Dv).
__global__ void mla_expand_kernel(float* k, float* v, const float* kvb, const float* kpe, int N, int H, int Dn, int Dr,
                                  int Dv) {
  const int W = Dn + Dr + Dv;
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * H * W) return;
  const size_t nh = i / W, n = nh / H;
  const int j = static_cast<int>(i % W);
  const float* src = kvb + nh * (Dn + Dv);
  if (j < Dn) k[nh * (Dn + Dr) + j] = src[j];
  else if (j < Dn + Dr) k[nh * (Dn + Dr) + j] = kpe[n * Dr + (j - Dn)];
  else v[nh * Dv + (j - Dn - Dr)] = src[Dn + (j - Dn - Dr)];
}

__global__ void mla_expand_backward_kernel(float* dkvb, const float* dk, const float* dv, int N, int H, int Dn, int Dr,
                                           int Dv) {
  const int W = Dn + Dv;
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * H * W) return;
  const size_t nh = i / W;
  const int j = static_cast<int>(i % W);
  dkvb[i] = j < Dn ? dk[nh * (Dn + Dr) + j] : dv[nh * Dv + (j - Dn)];
}

// dkpe (N, Dr): the sum over heads of the rope part of dk, in head order (as the CPU).
__global__ void mla_kpe_grad_kernel(float* dkpe, const float* dk, int N, int H, int Dn, int Dr) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * Dr) return;
  const size_t n = i / Dr;
  const int r = static_cast<int>(i % Dr);
  float s = 0.f;
  for (int h = 0; h < H; ++h) s += dk[(n * H + h) * (Dn + Dr) + Dn + r];
  dkpe[i] = s;
}

// One thread per (token, element of K + V).
__global__ void kv_write_kernel(float* k_pool, float* v_pool, const float* k, const float* v, const int32_t* table,
                                int max_blocks, int block_size, const int32_t* seq_of, const int32_t* pos, int N, int K,
                                int V) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * (K + V)) return;
  const size_t n = i / (K + V);
  const int j = static_cast<int>(i % (K + V));
  const int p = pos[n];
  const size_t row =
      static_cast<size_t>(table[static_cast<size_t>(seq_of[n]) * max_blocks + p / block_size]) * block_size +
      p % block_size;
  if (j < K) k_pool[row * K + j] = k[n * K + j];
  else v_pool[row * V + (j - K)] = v[n * V + (j - K)];
}

template <typename Kernel, typename... Args>
void launch(size_t n, const char* what, Kernel kernel, Args... args) {
  if (n == 0) return;
  kernel<<<blocks_for(n), 256, 0, stream()>>>(args...);
  check_launch(what);
}

}  // namespace

void add_inplace(float* y, const float* x, size_t n) { launch(n, "add_inplace", add_kernel, y, x, n); }
void scale_inplace(float* x, size_t n, float s) { launch(n, "scale_inplace", scale_kernel, x, n, s); }

void split3(float* a, int wa, float* b, int wb, float* c, int wc, const float* src, int N) {
  launch(static_cast<size_t>(N) * (wa + wb + wc), "split3", split3_kernel, a, wa, b, wb, c, wc, src, N, false);
}
void concat3(float* dst, const float* a, int wa, const float* b, int wb, const float* c, int wc, int N) {
  launch(static_cast<size_t>(N) * (wa + wb + wc), "concat3", split3_kernel, const_cast<float*>(a), wa,
         const_cast<float*>(b), wb, const_cast<float*>(c), wc, static_cast<const float*>(dst), N, true);
}

void gather_rows(float* dst, const float* src, const int32_t* rows, int R, int C) {
  launch(static_cast<size_t>(R) * C, "gather_rows", gather_rows_kernel, dst, src, rows, R, C);
}

void copy_2d(float* dst, int ldd, const float* src, int lds, int rows, int cols) {
  launch(static_cast<size_t>(rows) * cols, "copy_2d", copy_2d_kernel, dst, ldd, src, lds, rows, cols);
}

void embedding_forward(float* out, const int32_t* ids, const float* wte, int N, int C) {
  gather_rows(out, wte, ids, N, C);
}
void embedding_backward(float* dwte, const float* dout, const int32_t* ids, int N, int C) {
  launch(static_cast<size_t>(N) * C, "embedding_backward", embedding_backward_kernel, dwte, dout, ids, N, C);
}

void rope_forward(float* x, const int32_t* pos, int N, int H, int D, const float* cos, const float* sin, int,
                  cpu::RopeLayout layout) {
  launch(static_cast<size_t>(N) * H * (D / 2), "rope_forward", rope_kernel, x, pos, N, H, D, cos, sin,
         layout.stride > 0 ? layout.stride : D, layout.interleaved, 1.f);
}
void rope_backward(float* dx, const int32_t* pos, int N, int H, int D, const float* cos, const float* sin, int,
                   cpu::RopeLayout layout) {
  launch(static_cast<size_t>(N) * H * (D / 2), "rope_backward", rope_kernel, dx, pos, N, H, D, cos, sin,
         layout.stride > 0 ? layout.stride : D, layout.interleaved, -1.f);
}

void mla_expand_kv(float* k, float* v, const float* kvb, const float* kpe, int N, int H, int Dn, int Dr, int Dv) {
  launch(static_cast<size_t>(N) * H * (Dn + Dr + Dv), "mla_expand_kv", mla_expand_kernel, k, v, kvb, kpe, N, H, Dn,
         Dr, Dv);
}
void mla_expand_kv_backward(float* dkvb, float* dkpe, const float* dk, const float* dv, int N, int H, int Dn, int Dr,
                            int Dv) {
  launch(static_cast<size_t>(N) * H * (Dn + Dv), "mla_expand_kv_backward", mla_expand_backward_kernel, dkvb, dk, dv, N,
         H, Dn, Dr, Dv);
  launch(static_cast<size_t>(N) * Dr, "mla_expand_kv_backward kpe", mla_kpe_grad_kernel, dkpe, dk, N, H, Dn, Dr);
}

void kv_cache_write(float* k_pool, float* v_pool, const float* k, const float* v, const int32_t* block_table,
                    int max_blocks, int block_size, const int32_t* seq_of, const int32_t* pos, int N, int K, int V) {
  launch(static_cast<size_t>(N) * (K + V), "kv_cache_write", kv_write_kernel, k_pool, v_pool, k, v, block_table,
         max_blocks, block_size, seq_of, pos, N, K, V);
}

// E values: the sign step is computed on the host from the host load counts (as the CPU op
// does) and added on the device, so the bias never leaves it.
void expert_bias_update(float* bias, const int64_t* load, int E, double gamma) {
  if (E == 0) return;
  double mean = 0;
  for (int e = 0; e < E; ++e) mean += static_cast<double>(load[e]);
  mean /= static_cast<double>(E);
  std::vector<float> step(E);
  for (int e = 0; e < E; ++e) {
    const double diff = mean - static_cast<double>(load[e]);
    step[e] = static_cast<float>(gamma * (diff > 0 ? 1.0 : (diff < 0 ? -1.0 : 0.0)));
  }
  float* d = nullptr;
  check(cudaMalloc(&d, sizeof(float) * E), "cudaMalloc");
  cudaError_t e = cudaMemcpy(d, step.data(), sizeof(float) * E, cudaMemcpyHostToDevice);
  if (e == cudaSuccess) {
    add_kernel<<<blocks_for(E), 256, 0, stream()>>>(bias, d, static_cast<size_t>(E));
    e = cudaGetLastError();
  }
  cudaFree(d);
  check(e, "expert_bias_update");
}

}  // namespace r1::cuda
