#include "kernels/cpu/gemm.h"

#include <cblas.h>

namespace r1::cpu {

template <>
void gemm<float>(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
              lda, B, ldb, beta, C, ldc);
}

template <>
void gemm<double>(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                  int ldb, double beta, double* C, int ldc) {
  if (M == 0 || N == 0) return;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
              lda, B, ldb, beta, C, ldc);
}

template <>
void gemv<float>(int M, int K, const float* A, int lda, const float* x, float* y) {
  if (M == 0) return;
  cblas_sgemv(CblasRowMajor, CblasNoTrans, M, K, 1.0f, A, lda, x, 1, 0.0f, y, 1);
}

template <>
void gemv<double>(int M, int K, const double* A, int lda, const double* x, double* y) {
  if (M == 0) return;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, M, K, 1.0, A, lda, x, 1, 0.0, y, 1);
}

int set_blas_threads(int n) {
  int prev = openblas_get_num_threads();
  openblas_set_num_threads(n);
  return prev;
}

}  // namespace r1::cpu
