// The CUDA backend's one cuBLAS handle and its status check (linear.cu), shared by the fp32 GEMMs
// and the bf16 ones' fallback (gemm_bf16.cu). CUBLAS_DEFAULT_MATH: no TF32 for fp32 products;
// bf16 products still run on tensor cores.
#pragma once
#include <cublas_v2.h>

#include <mutex>

namespace r1::cuda {

void check_blas(cublasStatus_t s, const char* what);  // throws r1::Error naming what failed

// The handle, for one call on the calling thread's stream (stream(), common.cuh). The handle is
// shared by every host thread and its stream is a setting of the handle, so a lease holds a lock
// from setting the stream until the call is queued. Setting the stream also resets cuBLAS's
// workspace to its own pool, which may allocate; the lease sets the handle's fixed workspace
// again, so that a call recorded into a graph (graphs.cu) allocates nothing.
class CublasLease {
 public:
  CublasLease();
  cublasHandle_t handle() const { return handle_; }

 private:
  std::unique_lock<std::mutex> lock_;
  cublasHandle_t handle_ = nullptr;
};

}  // namespace r1::cuda
