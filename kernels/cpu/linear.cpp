#include "kernels/cpu/linear.h"

#include <cstddef>

#include "kernels/cpu/gemm.h"

namespace r1::cpu {

template <typename T>
void linear_forward(T* out, const T* inp, const T* W, const T* bias, int N, int C, int OC) {
  if (N == 0) return;
  if (N == 1) {
    // One row (decode at batch 1, an expert with one token): a matrix-vector product. sgemm
    // would copy (pack) all of W for a single row, which cost more than the arithmetic.
    gemv<T>(OC, C, W, C, inp, out);
  } else {
    gemm<T>(false, true, N, OC, C, T(1), inp, C, W, C, T(0), out, OC);
  }
  if (bias) {
#pragma omp parallel for if (N * OC > 32768)
    for (int n = 0; n < N; ++n) {
      T* o = out + static_cast<std::size_t>(n) * OC;
      for (int j = 0; j < OC; ++j) o[j] += bias[j];
    }
  }
}

template <typename T>
void linear_backward(T* dinp, T* dW, T* dbias, const T* dout, const T* inp, const T* W, int N, int C, int OC,
                     bool accumulate_dinp) {
  if (N == 0) return;
  if (dinp) gemm<T>(false, false, N, C, OC, T(1), dout, OC, W, C, accumulate_dinp ? T(1) : T(0), dinp, C);
  if (dW) gemm<T>(true, false, OC, C, N, T(1), dout, OC, inp, C, T(1), dW, C);
  if (dbias) {
    for (int n = 0; n < N; ++n) {
      const T* d = dout + static_cast<std::size_t>(n) * OC;
      for (int j = 0; j < OC; ++j) dbias[j] += d[j];
    }
  }
}

template void linear_forward<float>(float*, const float*, const float*, const float*, int, int, int);
template void linear_forward<double>(double*, const double*, const double*, const double*, int, int, int);
template void linear_backward<float>(float*, float*, float*, const float*, const float*, const float*, int, int,
                                     int, bool);
template void linear_backward<double>(double*, double*, double*, const double*, const double*, const double*, int,
                                      int, int, bool);

}  // namespace r1::cpu
