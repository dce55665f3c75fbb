// Log-probs, their backward, entropy, and the global gradient norm on the CUDA backend: one block
// per row of logits, reductions in shared memory. The vocabulary is read in one pass per
// reduction and never copied.
#include <cmath>

#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

__global__ void logprobs_forward_kernel(float* lp, float* lse, const float* logits, const int32_t* targets, int V) {
  const float* x = logits + static_cast<size_t>(blockIdx.x) * V;
  float m = -INFINITY;
  for (int v = threadIdx.x; v < V; v += blockDim.x) m = fmaxf(m, x[v]);
  m = block_max(m);
  float s = 0.f;
  for (int v = threadIdx.x; v < V; v += blockDim.x) s += expf(x[v] - m);
  s = block_sum(s);
  if (threadIdx.x == 0) {
    const float l = m + logf(s);
    lse[blockIdx.x] = l;
    const int t = targets[blockIdx.x];
    lp[blockIdx.x] = t >= 0 ? x[t] - l : 0.f;
  }
}

__global__ void logprobs_backward_kernel(float* dlogits, const float* dlp, const float* logits, const float* lse,
                                         const int32_t* targets, int V) {
  const size_t row = blockIdx.x;
  float* d = dlogits + row * V;
  const int t = targets[row];
  const float g = dlp[row];
  if (t < 0 || g == 0.f) {
    for (int v = threadIdx.x; v < V; v += blockDim.x) d[v] = 0.f;
    return;
  }
  const float* x = logits + row * V;
  const float l = lse[row];
  for (int v = threadIdx.x; v < V; v += blockDim.x) d[v] = -g * expf(x[v] - l) + (v == t ? g : 0.f);
}

__global__ void entropy_kernel(float* ent, const float* logits, const float* lse, int V) {
  const float* x = logits + static_cast<size_t>(blockIdx.x) * V;
  const float l = lse[blockIdx.x];
  float h = 0.f;
  for (int v = threadIdx.x; v < V; v += blockDim.x) {
    const float logp = x[v] - l;
    h -= expf(logp) * logp;
  }
  h = block_sum(h);
  if (threadIdx.x == 0) ent[blockIdx.x] = h;
}

// sum of squares in double (as the CPU), one partial per block, added with atomics.
__global__ void sum_squares_kernel(double* out, const float* g, size_t n) {
  __shared__ double partial[256];
  double s = 0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    s += static_cast<double>(g[i]) * g[i];
  }
  partial[threadIdx.x] = s;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(out, partial[0]);
}

__global__ void scale_kernel(float* x, size_t n, float s) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) x[i] *= s;
}

}  // namespace

void logprobs_forward(float* lp, float* lse, const float* logits, const int32_t* targets, int N, int V) {
  if (N == 0) return;
  logprobs_forward_kernel<<<N, 256, 0, stream()>>>(lp, lse, logits, targets, V);
  check_launch("logprobs_forward");
}

void logprobs_backward(float* dlogits, const float* dlp, const float* logits, const float* lse,
                       const int32_t* targets, int N, int V) {
  if (N == 0) return;
  logprobs_backward_kernel<<<N, 256, 0, stream()>>>(dlogits, dlp, logits, lse, targets, V);
  check_launch("logprobs_backward");
}

void softmax_entropy(float* ent, const float* logits, const float* lse, int N, int V) {
  if (N == 0) return;
  entropy_kernel<<<N, 256, 0, stream()>>>(ent, logits, lse, V);
  check_launch("softmax_entropy");
}

double clip_global_norm(float* g, size_t n, double max_norm) {
  double* d = nullptr;
  check(cudaMalloc(&d, sizeof(double)), "cudaMalloc");
  double sum = 0;
  cudaError_t e = cudaMemset(d, 0, sizeof(double));
  if (e == cudaSuccess && n > 0) {
    const unsigned blocks = static_cast<unsigned>(std::min<size_t>(blocks_for(n), 1024));
    sum_squares_kernel<<<blocks, 256, 0, stream()>>>(d, g, n);
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaMemcpy(&sum, d, sizeof(double), cudaMemcpyDeviceToHost);
  cudaFree(d);
  check(e, "clip_global_norm");
  const double norm = std::sqrt(sum);
  if (max_norm > 0 && norm > max_norm && n > 0) {
    scale_kernel<<<blocks_for(n), 256, 0, stream()>>>(g, n,
                                                      static_cast<float>(max_norm / (norm + 1e-6)));
    check_launch("clip_global_norm scale");
  }
  return norm;
}

}  // namespace r1::cuda
