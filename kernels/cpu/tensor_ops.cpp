#include "kernels/cpu/tensor_ops.h"

#include <cstring>

namespace r1::cpu {

template <typename T>
void add_inplace(T* y, const T* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

template <typename T>
void scale_inplace(T* x, size_t n, T s) {
  for (size_t i = 0; i < n; ++i) x[i] *= s;
}

template <typename T>
void split3(T* a, int wa, T* b, int wb, T* c, int wc, const T* src, int N) {
  const size_t W = static_cast<size_t>(wa) + wb + wc;
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    const T* row = src + static_cast<size_t>(n) * W;
    std::memcpy(a + static_cast<size_t>(n) * wa, row, sizeof(T) * wa);
    std::memcpy(b + static_cast<size_t>(n) * wb, row + wa, sizeof(T) * wb);
    std::memcpy(c + static_cast<size_t>(n) * wc, row + wa + wb, sizeof(T) * wc);
  }
}

template <typename T>
void concat3(T* dst, const T* a, int wa, const T* b, int wb, const T* c, int wc, int N) {
  const size_t W = static_cast<size_t>(wa) + wb + wc;
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    T* row = dst + static_cast<size_t>(n) * W;
    std::memcpy(row, a + static_cast<size_t>(n) * wa, sizeof(T) * wa);
    std::memcpy(row + wa, b + static_cast<size_t>(n) * wb, sizeof(T) * wb);
    std::memcpy(row + wa + wb, c + static_cast<size_t>(n) * wc, sizeof(T) * wc);
  }
}

template <typename T>
void gather_rows(T* dst, const T* src, const int32_t* rows, int R, int C) {
  for (int r = 0; r < R; ++r) {
    std::memcpy(dst + static_cast<size_t>(r) * C, src + static_cast<size_t>(rows[r]) * C, sizeof(T) * C);
  }
}

template <typename T>
void copy_2d(T* dst, int ldd, const T* src, int lds, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    std::memcpy(dst + static_cast<size_t>(r) * ldd, src + static_cast<size_t>(r) * lds,
                sizeof(T) * cols);
  }
}

#define R1_INSTANTIATE(T)                                                         \
  template void add_inplace<T>(T*, const T*, size_t);                             \
  template void scale_inplace<T>(T*, size_t, T);                                  \
  template void split3<T>(T*, int, T*, int, T*, int, const T*, int);              \
  template void concat3<T>(T*, const T*, int, const T*, int, const T*, int, int); \
  template void gather_rows<T>(T*, const T*, const int32_t*, int, int);           \
  template void copy_2d<T>(T*, int, const T*, int, int, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
