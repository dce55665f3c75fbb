// Vectorisable elementwise math. glibc's expf is a scalar call the compiler cannot vectorise
// without -ffast-math; exp_inplace on float uses a polynomial the compiler turns into SIMD code
// (relative error below 3e-7 over [-87, 88], tested against std::exp). Double precision keeps
// std::exp: it serves the gradient checks, not speed. The SIMD code needs -fno-trapping-math
// (set for r1_kernels in CMakeLists.txt): without it GCC keeps the clamps below as branches and
// every loop over fast_expf scalar.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace r1::cpu {

// exp(x) for float, branch-free so loops over it vectorise: exp(x) = 2^k * exp(r) with
// k = round(x / ln2) and |r| <= ln2 / 2, exp(r) by a degree-7 polynomial. Inputs are clamped to
// [-87.3, 88]: below, the result is the smallest normal float (not a denormal); above, it
// saturates at exp(88) ~ 1.65e38 instead of overflowing. NaN propagates.
inline float fast_expf(float x) {
  // Plain comparisons, not std::fmin/fmax: those are library calls that block vectorisation.
  float xc = x < -87.33654f ? -87.33654f : x;
  xc = xc > 88.0f ? 88.0f : xc;
  // Round to nearest by the 1.5 * 2^23 trick (exact for |t| < 2^22).
  const float k = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - k * 0.693145751953125f;  // ln2 split in two for an exact first product
  r = r - k * 1.428606765330187e-06f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  const float y = p * scale;
  return x != x ? x : y;
}

template <typename T>
inline T exp_value(T x) {
  if constexpr (sizeof(T) == 4)
    return fast_expf(x);
  else
    return std::exp(x);
}

// x[i] = exp(x[i] - shift) for i in [0, n).
template <typename T>
inline void exp_shifted_inplace(T* x, int n, T shift) {
#pragma omp simd
  for (int i = 0; i < n; ++i) x[i] = exp_value(x[i] - shift);
}

}  // namespace r1::cpu
