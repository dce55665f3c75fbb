// The CUDA backend's one cuBLAS handle and its status check (linear.cu), shared by the fp32 GEMMs
// and the bf16 ones' fallback (gemm_bf16.cu). CUBLAS_DEFAULT_MATH: no TF32 for fp32 products;
// bf16 products still run on tensor cores.
#pragma once
#include <cublas_v2.h>

namespace r1::cuda {

cublasHandle_t cublas_handle();
void check_blas(cublasStatus_t s, const char* what);  // throws r1::Error naming what failed

}  // namespace r1::cuda
