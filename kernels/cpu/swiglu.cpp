#include "kernels/cpu/swiglu.h"

#include <cmath>
#include <cstddef>

#include "kernels/cpu/vecmath.h"

namespace r1::cpu {

template <typename T>
void swiglu_forward(T* out, const T* gu, int N, int I) {
#pragma omp parallel for if (N * I > 16384)
  for (int n = 0; n < N; ++n) {
    const T* g = gu + static_cast<size_t>(n) * 2 * I;
    const T* u = g + I;
    T* o = out + static_cast<size_t>(n) * I;
    // omp simd: out may alias gu as far as the compiler knows, which kept this loop scalar (a
    // tenth of decode time); the elements are independent, so the results are the same.
#pragma omp simd
    for (int i = 0; i < I; ++i) o[i] = g[i] / (T(1) + exp_value(-g[i])) * u[i];
  }
}

template <typename T>
void swiglu_backward(T* dgu, const T* dout, const T* gu, int N, int I) {
#pragma omp parallel for if (N * I > 16384)
  for (int n = 0; n < N; ++n) {
    const T* g = gu + static_cast<size_t>(n) * 2 * I;
    const T* u = g + I;
    const T* d = dout + static_cast<size_t>(n) * I;
    T* dg = dgu + static_cast<size_t>(n) * 2 * I;
    T* du = dg + I;
#pragma omp simd
    for (int i = 0; i < I; ++i) {
      T sig = T(1) / (T(1) + exp_value(-g[i]));
      T silu = g[i] * sig;
      dg[i] = d[i] * u[i] * sig * (T(1) + g[i] * (T(1) - sig));
      du[i] = d[i] * silu;
    }
  }
}

template void swiglu_forward<float>(float*, const float*, int, int);
template void swiglu_forward<double>(double*, const double*, int, int);
template void swiglu_backward<float>(float*, const float*, const float*, int, int);
template void swiglu_backward<double>(double*, const double*, const double*, int, int);

}  // namespace r1::cpu
