// Sampling on the CUDA backend. Greedy rows (temperature 0) are decided on the device: the
// arg-max (the first on ties, as the CPU) and its log-probability; only R token ids and R
// log-probs come back. Temperature, top-k and top-p sampling still copy the rows to the host and
// use the CPU sampler, so that the tokens equal the CPU's for the same generators: a device
// sampler with its own generator is the next step.
#include <cmath>
#include <vector>

#include "kernels/cpu/sampling.h"
#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {
namespace {

__global__ void greedy_kernel(int32_t* tokens, float* logprobs, const float* logits, int V) {
  __shared__ float best_val[256];
  __shared__ int best_idx[256];
  const float* x = logits + static_cast<size_t>(blockIdx.x) * V;
  float bv = -INFINITY;
  int bi = V;
  for (int v = threadIdx.x; v < V; v += blockDim.x) {
    if (x[v] > bv) bv = x[v], bi = v;  // strided: the first max of this thread's elements
  }
  best_val[threadIdx.x] = bv;
  best_idx[threadIdx.x] = bi;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) {
      const float ov = best_val[threadIdx.x + w];
      const int oi = best_idx[threadIdx.x + w];
      if (ov > best_val[threadIdx.x] || (ov == best_val[threadIdx.x] && oi < best_idx[threadIdx.x])) {
        best_val[threadIdx.x] = ov;
        best_idx[threadIdx.x] = oi;
      }
    }
    __syncthreads();
  }
  const float m = best_val[0];
  float s = 0.f;
  for (int v = threadIdx.x; v < V; v += blockDim.x) s += expf(x[v] - m);
  s = block_sum(s);
  if (threadIdx.x == 0) {
    tokens[blockIdx.x] = best_idx[0] < V ? best_idx[0] : 0;  // a row of NaN or -inf: 0, as the CPU's max_element gives
    logprobs[blockIdx.x] = -logf(s);
  }
}

}  // namespace

void sample_rows(int32_t* tokens, float* logprobs, const float* logits, int R, int V, const cpu::SamplingSpec& spec,
                 Rng* const* rngs) {
  if (R == 0) return;
  if (spec.temperature <= 0) {
    int32_t* dt = nullptr;
    float* dl = nullptr;
    check(cudaMalloc(&dt, sizeof(int32_t) * R), "cudaMalloc");
    cudaError_t e = cudaMalloc(&dl, sizeof(float) * R);
    if (e == cudaSuccess) {
      greedy_kernel<<<R, 256>>>(dt, dl, logits, V);
      e = cudaGetLastError();
    }
    if (e == cudaSuccess) e = cudaMemcpy(tokens, dt, sizeof(int32_t) * R, cudaMemcpyDeviceToHost);
    std::vector<float> lp(R);
    if (e == cudaSuccess) e = cudaMemcpy(lp.data(), dl, sizeof(float) * R, cudaMemcpyDeviceToHost);
    cudaFree(dt);
    cudaFree(dl);
    check(e, "sample_rows (greedy)");
    if (logprobs) {
      for (int r = 0; r < R; ++r) logprobs[r] = lp[r];
    }
    return;
  }
  std::vector<float> host(static_cast<size_t>(R) * V);
  check(cudaMemcpy(host.data(), logits, sizeof(float) * host.size(), cudaMemcpyDeviceToHost), "sample_rows: logits");
  cpu::sample_rows(tokens, logprobs, host.data(), R, V, spec, rngs);
}

}  // namespace r1::cuda
