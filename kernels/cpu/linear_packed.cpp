#include "kernels/cpu/linear_packed.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace r1::cpu {

template <typename T>
void pack_linear(T* Wp, const T* W, int C, int OC, bool transposed) {
  const int P = (OC + kLinearPanel - 1) / kLinearPanel;
  for (int p = 0; p < P; ++p) {
    T* dst = Wp + static_cast<size_t>(p) * C * kLinearPanel;
    for (int k = 0; k < C; ++k) {
      for (int j = 0; j < kLinearPanel; ++j) {
        const int n = p * kLinearPanel + j;
        const size_t at = transposed ? static_cast<size_t>(k) * OC + n : static_cast<size_t>(n) * C + k;
        dst[static_cast<size_t>(k) * kLinearPanel + j] = n < OC ? W[at] : T(0);
      }
    }
  }
}

namespace {

// Rows per micro-tile: 6 rows x 16 columns keep 12 accumulators of 8 floats in AVX2 registers,
// with two for the panel's row and one for the broadcast input.
constexpr int kTileRows = 6;

// acc (mr, kLinearPanel) = A (mr rows of stride lda) x panel (C, kLinearPanel), in plain loops:
// double (the finite-difference reference model), and float without AVX2.
template <typename T>
void tile_portable(int mr, T* acc, const T* A, int lda, int C, const T* B) {
  std::fill(acc, acc + static_cast<size_t>(mr) * kLinearPanel, T(0));
  for (int k = 0; k < C; ++k) {
    const T* b = B + static_cast<size_t>(k) * kLinearPanel;
    for (int r = 0; r < mr; ++r) {
      const T a = A[static_cast<size_t>(r) * lda + k];
      for (int j = 0; j < kLinearPanel; ++j) acc[r * kLinearPanel + j] += a * b[j];
    }
  }
}

// The same for float on AVX2, MR rows held in registers.
template <int MR>
void tile(float* acc, const float* A, int lda, int C, const float* B) {
#if defined(__AVX2__) && defined(__FMA__)
  __m256 c0[MR], c1[MR];
  for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
  for (int k = 0; k < C; ++k) {
    const __m256 b0 = _mm256_loadu_ps(B + static_cast<size_t>(k) * kLinearPanel);
    const __m256 b1 = _mm256_loadu_ps(B + static_cast<size_t>(k) * kLinearPanel + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 a = _mm256_broadcast_ss(A + static_cast<size_t>(r) * lda + k);
      c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(acc + r * kLinearPanel, c0[r]);
    _mm256_storeu_ps(acc + r * kLinearPanel + 8, c1[r]);
  }
#else
  tile_portable(MR, acc, A, lda, C, B);
#endif
}

void tile_rows(int mr, float* acc, const float* A, int lda, int C, const float* B) {
  switch (mr) {
    case 6: return tile<6>(acc, A, lda, C, B);
    case 5: return tile<5>(acc, A, lda, C, B);
    case 4: return tile<4>(acc, A, lda, C, B);
    case 3: return tile<3>(acc, A, lda, C, B);
    case 2: return tile<2>(acc, A, lda, C, B);
    default: return tile<1>(acc, A, lda, C, B);
  }
}

void tile_rows(int mr, double* acc, const double* A, int lda, int C, const double* B) {
  tile_portable(mr, acc, A, lda, C, B);
}

}  // namespace

template <typename T>
void linear_forward_packed(T* out, int ldo, const T* inp, int ldi, const T* Wp, const T* bias, int N, int C,
                           int OC, bool accumulate) {
  R1_CHECK(!(accumulate && bias), "linear_forward_packed: accumulate takes no bias");
  if (N == 0) return;
  const int P = (OC + kLinearPanel - 1) / kLinearPanel;
  const int tiles = (N + kTileRows - 1) / kTileRows;
  // Inside a decode lane (already one per thread) this stays serial; alone, the panels are
  // shared out when the work is worth the threads' start-up.
  const bool parallel = !omp_in_parallel() && double(N) * OC * C > 4e6;
#pragma omp parallel for collapse(2) schedule(static) if (parallel)
  for (int p = 0; p < P; ++p) {
    for (int t = 0; t < tiles; ++t) {
      alignas(32) T acc[kTileRows * kLinearPanel];
      const int m0 = t * kTileRows, mr = std::min(kTileRows, N - m0);
      const int n0 = p * kLinearPanel, nw = std::min(kLinearPanel, OC - n0);
      tile_rows(mr, acc, inp + static_cast<size_t>(m0) * ldi, ldi, C,
                Wp + static_cast<size_t>(p) * C * kLinearPanel);
      for (int r = 0; r < mr; ++r) {
        T* o = out + static_cast<size_t>(m0 + r) * ldo + n0;
        const T* a = acc + r * kLinearPanel;
        if (accumulate) {
          for (int j = 0; j < nw; ++j) o[j] += a[j];
        } else if (bias) {
          for (int j = 0; j < nw; ++j) o[j] = a[j] + bias[n0 + j];
        } else {
          std::memcpy(o, a, sizeof(T) * nw);
        }
      }
    }
  }
}

template void pack_linear<float>(float*, const float*, int, int, bool);
template void pack_linear<double>(double*, const double*, int, int, bool);
template void linear_forward_packed<float>(float*, int, const float*, int, const float*, const float*, int, int,
                                           int, bool);
template void linear_forward_packed<double>(double*, int, const double*, int, const double*, const double*, int,
                                            int, int, bool);

}  // namespace r1::cpu
