#include "kernels/cpu/adamw.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace r1::cpu {

template <typename T>
void adamw_update(T* p, const T* g, T* m, T* v, size_t n, const AdamWHyper& h, long t) {
  const T b1 = static_cast<T>(h.beta1), b2 = static_cast<T>(h.beta2);
  const T c1 = static_cast<T>(1.0 / (1.0 - std::pow(h.beta1, static_cast<double>(t))));
  const T c2 = static_cast<T>(1.0 / (1.0 - std::pow(h.beta2, static_cast<double>(t))));
  const T lr = static_cast<T>(h.lr), eps = static_cast<T>(h.eps), decay = static_cast<T>(h.lr * h.weight_decay);
  const long N = static_cast<long>(n);
#pragma omp parallel for simd if (N > 65536)
  for (long i = 0; i < N; ++i) {
    T mi = b1 * m[i] + (T(1) - b1) * g[i];
    T vi = b2 * v[i] + (T(1) - b2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi * c1) / (std::sqrt(vi * c2) + eps) + decay * p[i];
  }
}

template <typename T>
double global_norm(const T* g, size_t n) {
  // Fixed blocks summed in block order: the same norm, bit for bit, at any thread count (an
  // OpenMP reduction adds the threads' sums in the order they finish, so the clipping scale,
  // and a run, could differ between two runs).
  constexpr size_t kBlock = 65536;
  const long blocks = static_cast<long>((n + kBlock - 1) / kBlock);
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (long b = 0; b < blocks; ++b) {
    const size_t end = std::min(n, static_cast<size_t>(b + 1) * kBlock);
    double s = 0;
    for (size_t i = static_cast<size_t>(b) * kBlock; i < end; ++i)
      s += static_cast<double>(g[i]) * g[i];
    partial[static_cast<size_t>(b)] = s;
  }
  double s = 0;
  for (double p : partial) s += p;
  return std::sqrt(s);
}

template <typename T>
double clip_global_norm(T* g, size_t n, double max_norm) {
  double norm = global_norm(g, n);
  if (max_norm > 0 && norm > max_norm) {
    T scale = static_cast<T>(max_norm / (norm + 1e-6));
    for (size_t i = 0; i < n; ++i) g[i] *= scale;
  }
  return norm;
}

template void adamw_update<float>(float*, const float*, float*, float*, size_t, const AdamWHyper&, long);
template void adamw_update<double>(double*, const double*, double*, double*, size_t, const AdamWHyper&, long);
template double global_norm<float>(const float*, size_t);
template double global_norm<double>(const double*, size_t);
template double clip_global_norm<float>(float*, size_t, double);
template double clip_global_norm<double>(double*, size_t, double);

}  // namespace r1::cpu
