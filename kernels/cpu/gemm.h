// Row-major GEMM on OpenBLAS for float and double:
//   C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C
// where op(X) is X or its transpose. lda/ldb/ldc are row strides of the stored matrices.
#pragma once

namespace r1::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda, const T* B,
          int ldb, T beta, T* C, int ldc);

// y (M) = A (M, K) x (K), A row-major with row stride lda.
template <typename T>
void gemv(int M, int K, const T* A, int lda, const T* x, T* y);

// The thread count of every GEMM and GEMV from now on; 0 (the default) follows OpenMP's
// (omp_get_max_threads() of the calling thread). Returns the previous value.
int set_blas_threads(int n);

}  // namespace r1::cpu
