#include <cuda_runtime.h>

#include <cmath>

#include "core/error.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace r1::cuda {
namespace {

// One block per row.
__global__ void rmsnorm_forward_kernel(float* out, float* rstd, const float* inp, const float* w, int C, float eps) {
  const float* x = inp + static_cast<size_t>(blockIdx.x) * C;
  float* o = out + static_cast<size_t>(blockIdx.x) * C;
  float ss = 0.f;
  for (int c = threadIdx.x; c < C; c += blockDim.x) ss += x[c] * x[c];
  ss = block_sum(ss);
  const float r = rsqrtf(ss / C + eps);
  if (threadIdx.x == 0 && rstd) rstd[blockIdx.x] = r;
  for (int c = threadIdx.x; c < C; c += blockDim.x) o[c] = x[c] * r * w[c];
}

__global__ void rmsnorm_backward_kernel(float* dinp, float* dw, const float* dout, const float* inp, const float* w,
                                        const float* rstd, int C, bool accumulate) {
  const size_t row = blockIdx.x;
  const float* x = inp + row * C;
  const float* d = dout + row * C;
  float* dx = dinp + row * C;
  const float r = rstd[row];
  float dot = 0.f;
  for (int c = threadIdx.x; c < C; c += blockDim.x) dot += d[c] * w[c] * x[c];
  dot = block_sum(dot);
  const float k = dot * r * r / C;
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    const float g = r * (d[c] * w[c] - x[c] * k);
    dx[c] = accumulate ? dx[c] + g : g;
    if (dw) atomicAdd(dw + c, d[c] * x[c] * r);
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
  rmsnorm_forward_kernel<<<N, 256>>>(out, rstd, inp, w, C, eps);
  check_launch("rmsnorm_forward");
}

void rmsnorm_backward(float* dinp, float* dw, const float* dout, const float* inp, const float* w, const float* rstd,
                      int N, int C, bool accumulate_dinp) {
  if (N == 0) return;
  rmsnorm_backward_kernel<<<N, 256>>>(dinp, dw, dout, inp, w, rstd, C, accumulate_dinp);
  check_launch("rmsnorm_backward");
}

void swiglu_forward(float* out, const float* gu, int N, int I) {
  const size_t n = static_cast<size_t>(N) * I;
  if (n == 0) return;
  swiglu_forward_kernel<<<blocks_for(n, 256), 256>>>(out, gu, N, I);
  check_launch("swiglu_forward");
}

void swiglu_backward(float* dgu, const float* dout, const float* gu, int N, int I) {
  const size_t n = static_cast<size_t>(N) * I;
  if (n == 0) return;
  swiglu_backward_kernel<<<blocks_for(n, 256), 256>>>(dgu, dout, gu, N, I);
  check_launch("swiglu_backward");
}

void adamw_update(float* p, const float* g, float* m, float* v, size_t n, const cpu::AdamWHyper& h, long t) {
  if (n == 0) return;
  const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(h.beta1, static_cast<double>(t))));
  const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(h.beta2, static_cast<double>(t))));
  adamw_kernel<<<blocks_for(n, 256), 256>>>(p, g, m, v, n, static_cast<float>(h.beta1), static_cast<float>(h.beta2), c1,
                                            c2, static_cast<float>(h.lr), static_cast<float>(h.eps),
                                            static_cast<float>(h.lr * h.weight_decay));
  check_launch("adamw_update");
}

void synchronize() { check(cudaDeviceSynchronize(), "synchronize"); }

}  // namespace r1::cuda
