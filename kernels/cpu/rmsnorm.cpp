#include "kernels/cpu/rmsnorm.h"

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
  // dw sums over rows: each thread keeps a private partial sum, added once at the end.
#pragma omp parallel if (N > 64)
  {
    std::vector<T> dw_local(dw ? C : 0, T(0));
#pragma omp for
    for (int n = 0; n < N; ++n) {
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
      if (dw) {
        for (int c = 0; c < C; ++c) dw_local[c] += d[c] * x[c] * r;
      }
    }
    if (dw) {
#pragma omp critical
      for (int c = 0; c < C; ++c) dw[c] += dw_local[c];
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
