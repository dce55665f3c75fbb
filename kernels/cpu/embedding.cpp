#include "kernels/cpu/embedding.h"

#include <cstring>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace r1::cpu {

template <typename T>
void embedding_forward(T* out, const int32_t* ids, const T* wte, int N, int C) {
#pragma omp parallel for if (N > 256)
  for (int n = 0; n < N; ++n) {
    std::memcpy(out + static_cast<size_t>(n) * C, wte + static_cast<size_t>(ids[n]) * C, sizeof(T) * C);
  }
}

template <typename T>
void embedding_backward(T* dwte, const T* dout, const int32_t* ids, int N, int C) {
  // Tokens repeat, so rows of dwte are shared: split the work over columns instead of tokens.
#pragma omp parallel if (static_cast<long>(N) * C > 65536)
  {
#ifdef _OPENMP
    int nt = omp_get_num_threads(), t = omp_get_thread_num();
#else
    int nt = 1, t = 0;
#endif
    int c0 = C * t / nt, c1 = C * (t + 1) / nt;
    for (int n = 0; n < N; ++n) {
      T* dw = dwte + static_cast<size_t>(ids[n]) * C;
      const T* d = dout + static_cast<size_t>(n) * C;
      for (int c = c0; c < c1; ++c) dw[c] += d[c];
    }
  }
}

template void embedding_forward<float>(float*, const int32_t*, const float*, int, int);
template void embedding_forward<double>(double*, const int32_t*, const double*, int, int);
template void embedding_backward<float>(float*, const float*, const int32_t*, int, int);
template void embedding_backward<double>(double*, const double*, const int32_t*, int, int);

}  // namespace r1::cpu
