// The device sampler's choice of the kept set (top-k, top-p), as plain arithmetic on thresholds:
// compiled into the CUDA kernel (sampling.cu), where each row statistic is a block reduction, and
// into a CPU test (tests/kernels/test_sampling_select.cpp), where it is a loop, so the logic is
// checked on every machine.
//
// A row's weights are w_v = exp((x_v - max) / temperature), in (0, 1]. The kept set is
// {v : w_v >= tau} for one threshold tau:
//   - top-k: the largest tau with count(w >= tau) >= k (the k-th largest weight);
//   - top-p: then the largest tau with mass(w >= tau) >= top_p * (the top-k set's mass, or the
//     whole row's), i.e. the smallest head of the sorted weights that reaches p.
// That is the CPU sampler's set (kernels/cpu/sampling.cpp) except at exact ties on the threshold,
// which the CPU breaks by token id and this keeps whole. Thresholds are found by bisection on the
// bits of a positive float, which order as the floats do: 31 steps at most.
#pragma once
#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define R1_HD __host__ __device__
#else
#define R1_HD
#endif

namespace r1::cuda {

struct KeptStats {
  float count = 0;  // how many weights are >= tau
  float mass = 0;   // their sum
};

R1_HD inline float float_of_bits(uint32_t b) {
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

constexpr uint32_t kOneBits = 0x3f800000u;  // 1.0f: no weight is larger

// The largest threshold (as float bits in [0, 1.0f]) whose kept count (by_mass false) or mass
// (true) still reaches target. stats(tau) gives both for the threshold tau (a float).
template <typename Stats>
R1_HD uint32_t largest_threshold(Stats& stats, bool by_mass, float target) {
  uint32_t lo = 0, hi = kOneBits + 1;  // stats(0) keeps everything; hi is past every weight
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const KeptStats s = stats(float_of_bits(mid));
    if ((by_mass ? s.mass : s.count) >= target)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

// The threshold of the kept set for top_k (0: none) and top_p (1: none) over a row of V weights
// whose sum is total.
template <typename Stats>
R1_HD float kept_threshold(Stats& stats, int V, int top_k, float top_p, float total) {
  uint32_t tau = 0;
  float base = total;
  if (top_k > 0 && top_k < V) {
    tau = largest_threshold(stats, false, static_cast<float>(top_k));
    base = stats(float_of_bits(tau)).mass;
  }
  if (top_p < 1.f) {
    const uint32_t p = largest_threshold(stats, true, top_p * base);
    if (p > tau) tau = p;
  }
  return float_of_bits(tau);
}

}  // namespace r1::cuda
