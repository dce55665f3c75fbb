#include "kernels/cpu/rmsnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace r1::cpu {

template <typename T>
void rmsnorm_forward(T* out, T* rstd, const T* inp, const T* w, int N, int C, T eps) {
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    const T* x = inp + static_cast<size_t>(n) * C;
    T* o = out + static_cast<size_t>(n) * C;
    T ss = 0;
    for (int c = 0; c < C; ++c) ss += x[c] * x[c];
    T r = T(1) / std::sqrt(ss / C + eps);
    if (rstd) rstd[n] = r;
    for (int c = 0; c < C; ++c) o[c] = x[c] * r * w[c];
  }
}

template <typename T>
void rmsnorm_backward(T* dinp, T* dw, const T* dout, const T* inp, const T* w, const T* rstd, int N, int C,
                      bool accumulate_dinp) {
  // dw sums over rows. Rows go in fixed blocks of kRowsPerBlock, each block's partial sum is
  // kept, and the partials are added in block order after the loop: the same sum, bit for bit,
  // whatever the thread count or the order threads finish in (adding per-thread sums as threads
  // arrived made dw, and so a run, differ between runs with more than one thread).
  constexpr int kRowsPerBlock = 64;
  const int blocks = (N + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<T> partial(dw ? static_cast<size_t>(blocks) * C : 0, T(0));
#pragma omp parallel for schedule(static) if (N > 64)
  for (int blk = 0; blk < blocks; ++blk) {
    T* dw_block = dw ? partial.data() + static_cast<size_t>(blk) * C : nullptr;
    for (int n = blk * kRowsPerBlock; n < std::min(N, (blk + 1) * kRowsPerBlock); ++n) {
      const T* x = inp + static_cast<size_t>(n) * C;
      const T* d = dout + static_cast<size_t>(n) * C;
      T* dx = dinp + static_cast<size_t>(n) * C;
      T r = rstd[n];
      // xhat = x * r; dxhat = d * w; dx = r * (dxhat - xhat * mean(dxhat * xhat))
      T dot = 0;
      for (int c = 0; c < C; ++c) dot += d[c] * w[c] * x[c];
      T k = dot * r * r / C;
      if (accumulate_dinp) {
        for (int c = 0; c < C; ++c) dx[c] += r * (d[c] * w[c] - x[c] * k);
      } else {
        for (int c = 0; c < C; ++c) dx[c] = r * (d[c] * w[c] - x[c] * k);
      }
      if (dw_block) {
        for (int c = 0; c < C; ++c) dw_block[c] += d[c] * x[c] * r;
      }
    }
  }
  if (dw) {
    for (int blk = 0; blk < blocks; ++blk) {
      const T* p = partial.data() + static_cast<size_t>(blk) * C;
      for (int c = 0; c < C; ++c) dw[c] += p[c];
    }
  }
}

template void rmsnorm_forward<float>(float*, float*, const float*, const float*, int, int, float);
template void rmsnorm_forward<double>(double*, double*, const double*, const double*, int, int, double);
template void rmsnorm_backward<float>(float*, float*, const float*, const float*, const float*, const float*, int,
                                      int, bool);
template void rmsnorm_backward<double>(double*, double*, const double*, const double*, const double*,
                                       const double*, int, int, bool);

}  // namespace r1::cpu
