// Sampling on the CUDA backend, every row on the device; only R token ids and R log-probs come
// back to the host.
//   - Greedy (temperature 0): the arg-max (the first on ties, as the CPU) and its log-probability.
//   - Temperature, top-k, top-p: one block per row. The host draws one uniform number per row
//     from the row's own generator (as the CPU sampler does, so a row's stream advances the same
//     way on both); the block finds the kept set's threshold (sampling_select.h), then walks the
//     kept weights in token order to where the draw falls. The distribution is the CPU's; the
//     token for a given draw is not (the CPU walks its kept set sorted by probability).
#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "kernels/cpu/sampling.h"
#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/sampling_select.h"

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

constexpr int kSampleThreads = 1024;

// A row's kept statistics for a threshold (sampling_select.h): a block reduction over the row,
// with every weight recomputed (the row does not fit in shared memory at vocabulary sizes).
struct RowWeights {
  const float* x;
  int V;
  float m, inv_t;
  __device__ float weight(int v) const { return expf((x[v] - m) * inv_t); }
  __device__ KeptStats operator()(float tau) const {
    float c = 0.f, s = 0.f;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
      const float w = weight(v);
      if (w >= tau) c += 1.f, s += w;
    }
    return {block_sum(c), block_sum(s)};
  }
};

__global__ void __launch_bounds__(kSampleThreads)
    sample_kernel(int32_t* tokens, float* logprobs, const float* logits, const float* draws, int V, float inv_t,
                  int top_k, float top_p) {
  __shared__ float prefix[kSampleThreads];
  __shared__ float target;  // the draw times the kept mass, as the prefix sums add it up
  __shared__ int chosen;
  const float* x = logits + static_cast<size_t>(blockIdx.x) * V;
  float mx = -INFINITY;
  for (int v = threadIdx.x; v < V; v += blockDim.x) mx = fmaxf(mx, x[v]);
  RowWeights row{x, V, block_max(mx), inv_t};
  const float total = row(0.f).mass;
  const bool truncated = (top_k > 0 && top_k < V) || top_p < 1.f;
  const float tau = truncated ? kept_threshold(row, V, top_k, top_p, total) : 0.f;
  // Each thread owns a contiguous chunk of tokens; an exclusive prefix of the chunks' kept mass
  // says whose chunk the draw falls in, and that thread walks it. Kept: w >= tau and w > 0 (a
  // weight that underflowed, or a -inf logit, is never drawn).
  const int chunk = (V + blockDim.x - 1) / blockDim.x, v0 = min(V, threadIdx.x * chunk), v1 = min(V, v0 + chunk);
  float own = 0.f;
  int last = -1;  // this chunk's last kept token
  for (int v = v0; v < v1; ++v) {
    const float w = row.weight(v);
    if (w >= tau && w > 0.f) own += w, last = v;
  }
  prefix[threadIdx.x] = own;
  if (threadIdx.x == 0) chosen = INT_MAX;
  __syncthreads();
  if (threadIdx.x == 0) {
    float run = 0.f;
    for (int t = 0; t < static_cast<int>(blockDim.x); ++t) {
      const float c = prefix[t];
      prefix[t] = run;
      run += c;
    }
    target = draws[blockIdx.x] * run;  // below run: the host keeps draws under 1
  }
  __syncthreads();
  // Relative to the chunk's start, the walk repeats own's additions exactly: a draw inside
  // [0, own) is found in the chunk. Rounding may leave a draw to two neighbours (the smaller
  // token wins) or to none (below).
  const float t = target - prefix[threadIdx.x];
  if (own > 0.f && t >= 0.f && t < own) {
    float acc = 0.f;
    int pick = last;
    for (int v = v0; v < v1; ++v) {
      const float w = row.weight(v);
      if (w < tau || !(w > 0.f)) continue;
      acc += w;
      if (t < acc) {
        pick = v;
        break;
      }
    }
    atomicMin(&chosen, pick);
  }
  // No chunk took the draw (rounding at a chunk's edge): the row's last kept token. A row with
  // none (all NaN) gives token 0, as the greedy kernel does.
  const float last_kept = block_max(static_cast<float>(last));
  __syncthreads();
  if (threadIdx.x == 0) {
    const int c = chosen != INT_MAX ? chosen : last_kept >= 0.f ? static_cast<int>(last_kept) : 0;
    tokens[blockIdx.x] = c;
    logprobs[blockIdx.x] = (x[c] - row.m) * inv_t - logf(total);  // before truncation, as the CPU
  }
}

}  // namespace

void sample_rows(int32_t* tokens, float* logprobs, const float* logits, int R, int V, const cpu::SamplingSpec& spec,
                 Rng* const* rngs) {
  if (R == 0) return;
  thread_local DeviceScratch d_tokens, d_logprobs, d_draws;
  int32_t* dt = d_tokens.as<int32_t>(R);
  float* dl = d_logprobs.as<float>(R);
  if (spec.temperature <= 0) {
    greedy_kernel<<<R, 256, 0, stream()>>>(dt, dl, logits, V);
    check_launch("sample_rows (greedy)");
  } else {
    std::vector<float> draws(R);
    // One draw per row, as the CPU sampler takes; as a float, kept below 1 (a double just under 1
    // would round up to it).
    for (int r = 0; r < R; ++r)
      draws[r] = std::min(static_cast<float>(rngs[r]->uniform()), std::nextafter(1.f, 0.f));
    float* dd = d_draws.as<float>(R);
    check(cudaMemcpy(dd, draws.data(), sizeof(float) * R, cudaMemcpyHostToDevice), "sample_rows: draws");
    sample_kernel<<<R, kSampleThreads, 0, stream()>>>(dt, dl, logits, dd, V,
                                                      static_cast<float>(1.0 / spec.temperature),
                                                      spec.top_k, static_cast<float>(spec.top_p));
    check_launch("sample_rows");
  }
  check(cudaMemcpy(tokens, dt, sizeof(int32_t) * R, cudaMemcpyDeviceToHost), "sample_rows: tokens");
  std::vector<float> lp(R);
  check(cudaMemcpy(lp.data(), dl, sizeof(float) * R, cudaMemcpyDeviceToHost), "sample_rows: log-probs");
  if (logprobs) {
    for (int r = 0; r < R; ++r) logprobs[r] = lp[r];
  }
}

}  // namespace r1::cuda
