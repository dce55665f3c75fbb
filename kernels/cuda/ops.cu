#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace r1::cuda {
namespace {

// RMSNorm: one warp per row (8 rows per block of 256 threads), so the per-head norms of Qwen3 (rows
// of 128) keep every lane busy and a row's sum needs no barrier.
constexpr int kNormWarps = 8;

__global__ void rmsnorm_forward_kernel(float* out, float* rstd, const float* inp, const float* w, int N, int C,
                                       float eps) {
  const int row = blockIdx.x * kNormWarps + threadIdx.x / 32, lane = threadIdx.x % 32;
  if (row >= N) return;
  const float* x = inp + static_cast<size_t>(row) * C;
  float* o = out + static_cast<size_t>(row) * C;
  float ss = 0.f;
  for (int c = lane; c < C; c += 32) ss += x[c] * x[c];
  const float r = rsqrtf(warp_sum(ss) / C + eps);
  if (lane == 0 && rstd) rstd[row] = r;
  for (int c = lane; c < C; c += 32) o[c] = x[c] * r * w[c];
}

// dx = r (dy w - x r^2 sum(dy w x) / C); dw += sum over rows of dy x r. Each block takes every
// gridDim.x-th group of 8 rows and sums its rows' dw in shared memory, then adds that to dw once:
// one global atomic per column and block, where a global atomic per element (N of them on each
// column) serialised the per-head norms' 128 columns.
__global__ void rmsnorm_backward_kernel(float* dinp, float* dw, const float* dout, const float* inp, const float* w,
                                        const float* rstd, int N, int C, bool accumulate) {
  extern __shared__ float dw_s[];  // (C) when dw
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (dw) {
    for (int c = threadIdx.x; c < C; c += blockDim.x) dw_s[c] = 0.f;
    __syncthreads();
  }
  for (int row = blockIdx.x * kNormWarps + warp; row < N; row += gridDim.x * kNormWarps) {
    const float* x = inp + static_cast<size_t>(row) * C;
    const float* d = dout + static_cast<size_t>(row) * C;
    float* dx = dinp + static_cast<size_t>(row) * C;
    const float r = rstd[row];
    float dot = 0.f;
    for (int c = lane; c < C; c += 32) dot += d[c] * w[c] * x[c];
    const float k = warp_sum(dot) * r * r / C;
    for (int c = lane; c < C; c += 32) {
      const float g = r * (d[c] * w[c] - x[c] * k);
      if (dw) atomicAdd(dw_s + c, d[c] * x[c] * r);
      dx[c] = accumulate ? dx[c] + g : g;
    }
  }
  if (dw) {
    __syncthreads();
    for (int c = threadIdx.x; c < C; c += blockDim.x) atomicAdd(dw + c, dw_s[c]);
  }
}

__global__ void swiglu_forward_kernel(float* out, const float* gu, int N, int I) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * I) return;
  const size_t n = i / I, j = i % I;
  const float g = gu[n * 2 * I + j], u = gu[n * 2 * I + I + j];
  out[i] = g / (1.f + expf(-g)) * u;
}

__global__ void swiglu_backward_kernel(float* dgu, const float* dout, const float* gu, int N, int I) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * I) return;
  const size_t n = i / I, j = i % I;
  const float g = gu[n * 2 * I + j], u = gu[n * 2 * I + I + j];
  const float sig = 1.f / (1.f + expf(-g));
  dgu[n * 2 * I + j] = dout[i] * u * sig * (1.f + g * (1.f - sig));
  dgu[n * 2 * I + I + j] = dout[i] * g * sig;
}

__global__ void adamw_kernel(float* p, const float* g, float* m, float* v, size_t n, float b1, float b2, float c1,
                             float c2, float lr, float eps, float decay) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float mi = b1 * m[i] + (1.f - b1) * g[i];
  const float vi = b2 * v[i] + (1.f - b2) * g[i] * g[i];
  m[i] = mi;
  v[i] = vi;
  p[i] -= lr * (mi * c1) / (sqrtf(vi * c2) + eps) + decay * p[i];
}

}  // namespace

void rmsnorm_forward(float* out, float* rstd, const float* inp, const float* w, int N, int C, float eps) {
  if (N == 0) return;
  rmsnorm_forward_kernel<<<(N + kNormWarps - 1) / kNormWarps, 32 * kNormWarps, 0, stream()>>>(
      out, rstd, inp, w, N, C, eps);
  check_launch("rmsnorm_forward");
}

void rmsnorm_backward(float* dinp, float* dw, const float* dout, const float* inp, const float* w, const float* rstd,
                      int N, int C, bool accumulate_dinp) {
  if (N == 0) return;
  // Enough blocks to fill the GPU several times over; each then sums many rows' dw.
  const int blocks = std::min((N + kNormWarps - 1) / kNormWarps, 2048);
  const size_t smem = dw ? sizeof(float) * C : 0;
  if (smem > 48 * 1024)
    check(cudaFuncSetAttribute(rmsnorm_backward_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                               static_cast<int>(smem)),
          "rmsnorm_backward: shared memory size");
  rmsnorm_backward_kernel<<<blocks, 32 * kNormWarps, smem, stream()>>>(dinp, dw, dout, inp, w, rstd,
                                                                       N, C, accumulate_dinp);
  check_launch("rmsnorm_backward");
}

void swiglu_forward(float* out, const float* gu, int N, int I) {
  const size_t n = static_cast<size_t>(N) * I;
  if (n == 0) return;
  swiglu_forward_kernel<<<blocks_for(n, 256), 256, 0, stream()>>>(out, gu, N, I);
  check_launch("swiglu_forward");
}

void swiglu_backward(float* dgu, const float* dout, const float* gu, int N, int I) {
  const size_t n = static_cast<size_t>(N) * I;
  if (n == 0) return;
  swiglu_backward_kernel<<<blocks_for(n, 256), 256, 0, stream()>>>(dgu, dout, gu, N, I);
  check_launch("swiglu_backward");
}

void adamw_update(float* p, const float* g, float* m, float* v, size_t n, const cpu::AdamWHyper& h, long t) {
  if (n == 0) return;
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(h.beta1, static_cast<double>(t))));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(h.beta2, static_cast<double>(t))));
  adamw_kernel<<<blocks_for(n, 256), 256, 0, stream()>>>(
      p, g, m, v, n, static_cast<float>(h.beta1), static_cast<float>(h.beta2), c1, c2,
      static_cast<float>(h.lr), static_cast<float>(h.eps),
      static_cast<float>(h.lr * h.weight_decay));
  check_launch("adamw_update");
}

void synchronize() { check(cudaDeviceSynchronize(), "synchronize"); }

}  // namespace r1::cuda
