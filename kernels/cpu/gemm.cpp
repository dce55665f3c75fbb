#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <atomic>

namespace r1::cpu {
namespace {

std::atomic<int> blas_threads{0};  // 0: OpenMP's thread count

// OpenBLAS built with OpenMP (Debian's libopenblas0-openmp) takes its thread count from
// omp_get_max_threads() at every call, whatever openblas_set_num_threads said; so a count set by
// set_blas_threads is set as the calling thread's OpenMP count for the call. (On some CPUs, a
// Sapphire Rapids Xeon for one, sgemm's bits depend on its thread count.)
class BlasThreadCount {
 public:
  BlasThreadCount() {
    const int n = blas_threads.load(std::memory_order_relaxed);
    if (n > 0 && !omp_in_parallel() && omp_get_max_threads() != n) {
      saved_ = omp_get_max_threads();
      omp_set_num_threads(n);
    }
  }
  ~BlasThreadCount() {
    if (saved_ > 0) omp_set_num_threads(saved_);
  }
  BlasThreadCount(const BlasThreadCount&) = delete;
  BlasThreadCount& operator=(const BlasThreadCount&) = delete;

 private:
  int saved_ = 0;
};

}  // namespace

template <>
void gemm<float>(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  BlasThreadCount threads;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
              lda, B, ldb, beta, C, ldc);
}

template <>
void gemm<double>(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                  int ldb, double beta, double* C, int ldc) {
  if (M == 0 || N == 0) return;
  BlasThreadCount threads;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
              lda, B, ldb, beta, C, ldc);
}

template <>
void gemv<float>(int M, int K, const float* A, int lda, const float* x, float* y) {
  if (M == 0) return;
  BlasThreadCount threads;
  cblas_sgemv(CblasRowMajor, CblasNoTrans, M, K, 1.0f, A, lda, x, 1, 0.0f, y, 1);
}

template <>
void gemv<double>(int M, int K, const double* A, int lda, const double* x, double* y) {
  if (M == 0) return;
  BlasThreadCount threads;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, M, K, 1.0, A, lda, x, 1, 0.0, y, 1);
}

int set_blas_threads(int n) {
  const int prev = blas_threads.exchange(n > 0 ? n : 0);
  if (n > 0) openblas_set_num_threads(n);
  return prev;
}

}  // namespace r1::cpu
