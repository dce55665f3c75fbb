// GEMMs through cuBLAS in fp32 (CUBLAS_DEFAULT_MATH: no TF32, so results stay comparable with
// the CPU), and the linear layer built on them. Row-major C = op(A) op(B) is computed as the
// column-major product C^T = op(B)^T op(A)^T.
#include "kernels/cuda/blas.h"

#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/common.cuh"

namespace r1::cuda {

namespace {

struct SharedHandle {
  cublasHandle_t handle = nullptr;
  void* workspace = nullptr;
  size_t bytes = size_t{32} << 20;
  std::mutex mu;
};

SharedHandle& shared_handle() {
  static SharedHandle* s = [] {
    auto* x = new SharedHandle;  // never freed: it outlives every thread that calls cuBLAS
    if (cublasCreate(&x->handle) != CUBLAS_STATUS_SUCCESS) fail("cuBLAS: cublasCreate failed");
    if (cublasSetMathMode(x->handle, CUBLAS_DEFAULT_MATH) != CUBLAS_STATUS_SUCCESS)
      fail("cuBLAS: cublasSetMathMode failed");
    check(cudaMalloc(&x->workspace, x->bytes), "cudaMalloc (cuBLAS workspace)");
    return x;
  }();
  return *s;
}

}  // namespace

CublasLease::CublasLease() : lock_(shared_handle().mu), handle_(shared_handle().handle) {
  SharedHandle& s = shared_handle();
  check_blas(cublasSetStream(handle_, stream()), "cublasSetStream");
  check_blas(cublasSetWorkspace(handle_, s.workspace, s.bytes), "cublasSetWorkspace");
}

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) fail("cuBLAS ", what, ": status ", static_cast<int>(s));
}

namespace {

// dbias (OC) += column sums of dout (N, OC): one thread per column.
__global__ void bias_grad_kernel(float* dbias, const float* dout, int N, int OC) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= OC) return;
  float s = 0.f;
  for (int n = 0; n < N; ++n) s += dout[static_cast<size_t>(n) * OC + j];
  dbias[j] += s;
}

// out (N, OC) += bias (OC)
__global__ void add_bias_kernel(float* out, const float* bias, int N, int OC) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= static_cast<size_t>(N) * OC) return;
  out[i] += bias[i % OC];
}

}  // namespace

void add_bias(float* out, const float* bias, int N, int OC) {
  const size_t n = static_cast<size_t>(N) * OC;
  add_bias_kernel<<<blocks_for(n), 256, 0, stream()>>>(out, bias, N, OC);
  check_launch("linear bias");
}

void bias_grad(float* dbias, const float* dout, int N, int OC) {
  bias_grad_kernel<<<blocks_for(OC), 256, 0, stream()>>>(dbias, dout, N, OC);
  check_launch("linear_backward bias");
}

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  CublasLease blas;
  check_blas(cublasSgemm(blas.handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                         trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, ldb, A, lda,
                         &beta, C, ldc),
             "sgemm");
}

void linear_forward(float* out, const float* inp, const float* W, const float* bias, int N, int C, int OC) {
  if (N == 0) return;
  gemm(false, true, N, OC, C, 1.f, inp, C, W, C, 0.f, out, OC);
  if (bias) add_bias(out, bias, N, OC);
}

void pack_linear(float* Wp, const float* W, int C, int OC, bool transposed) {
  if (!transposed) {
    check(cudaMemcpyAsync(Wp, W, sizeof(float) * static_cast<size_t>(C) * OC,
                          cudaMemcpyDeviceToDevice, stream()),
          "pack_linear");
    return;
  }
  // Column-major view: W is (OC, C) with leading dimension OC; Wp = W^T is (C, OC), leading C.
  const float one = 1.f, zero = 0.f;
  CublasLease blas;
  check_blas(
      cublasSgeam(blas.handle(), CUBLAS_OP_T, CUBLAS_OP_N, C, OC, &one, W, OC, &zero, Wp, C, Wp, C),
      "pack_linear");
}

void linear_forward_packed(float* out, int ldo, const float* inp, int ldi, const float* Wp, const float* bias, int N,
                           int C, int OC, bool accumulate) {
  if (accumulate && bias) fail("linear_forward_packed: accumulate takes no bias");
  if (N == 0) return;
  if (!accumulate && bias && ldo == OC && ldi == C) return linear_forward(out, inp, Wp, bias, N, C, OC);
  if (bias) fail("linear_forward_packed: a bias needs contiguous rows");
  gemm(false, true, N, OC, C, 1.f, inp, ldi, Wp, C, accumulate ? 1.f : 0.f, out, ldo);
}

void linear_backward(float* dinp, float* dW, float* dbias, const float* dout, const float* inp, const float* W, int N,
                     int C, int OC, bool accumulate_dinp) {
  if (N == 0) return;
  if (dinp) gemm(false, false, N, C, OC, 1.f, dout, OC, W, C, accumulate_dinp ? 1.f : 0.f, dinp, C);
  if (dW) gemm(true, false, OC, C, N, 1.f, dout, OC, inp, C, 1.f, dW, C);
  if (dbias) bias_grad(dbias, dout, N, OC);
}

}  // namespace r1::cuda
