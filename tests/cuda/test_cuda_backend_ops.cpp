// The backend op harness (tests/common/backend_op_cases.h) on the CUDA backend: every op of the
// table against the CPU, within each case's fp32 tolerance. Skips without a GPU. This replaces
// the hand-written RMSNorm, SwiGLU and AdamW cases that were here.
#include <gtest/gtest.h>

#include <cstdlib>

#include "kernels/cuda/backend_cuda.h"
#include "kernels/cuda/device.h"
#include "tests/common/backend_op_cases.h"

using namespace r1;
using namespace r1::test;

TEST(CudaBackendOps, EveryOpAgreesWithTheCpu) {
  if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";
  const int compared = check_backend_against_cpu(cuda::cuda_backend(0), [](const Case& c) { return c.tol; });
  // R1_OPS_FROM / R1_OPS_ONLY (scripts/gpu_check.sh) run a part of the table.
  const bool part = std::getenv("R1_OPS_FROM") || std::getenv("R1_OPS_ONLY");
  EXPECT_GT(compared, part ? 0 : 40);
}

// The row kernels of attention (kernels/cuda/attention.cu), which the tiled ones replace for
// training where they apply, are kept as the fallback: they too must agree with the CPU.
TEST(CudaBackendOps, AttentionRowKernelsAgreeWithTheCpu) {
  if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";
  setenv("R1_CUDA_ATTENTION", "rows", 1);
  setenv("R1_OPS_ONLY", "attention_", 1);
  const int compared = check_backend_against_cpu(cuda::cuda_backend(0), [](const Case& c) { return c.tol; });
  unsetenv("R1_OPS_ONLY");
  unsetenv("R1_CUDA_ATTENTION");
  EXPECT_GE(compared, 10);
}

// Runs everywhere: without a GPU, cuda:0 is the device that does not exist.
TEST(CudaBackendOps, NoGpuOrNoSuchDeviceIsAnErrorNamingIt) {
  const int n = cuda::device_count();
  try {
    cuda::cuda_backend(n);
    FAIL() << "cuda:" << n << " should not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:" + std::to_string(n)), std::string::npos) << e.what();
  }
}
