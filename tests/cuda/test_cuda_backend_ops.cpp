// The backend op harness (tests/common/backend_op_cases.h) on the CUDA backend: every op of the
// table against the CPU, within each case's fp32 tolerance. Skips without a GPU. This replaces
// the hand-written RMSNorm, SwiGLU and AdamW cases that were here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "kernels/cuda/backend_cuda.h"
#include "kernels/cuda/device.h"
#include "tests/common/backend_op_cases.h"
#include "tests/common/bf16_emulation.h"

using namespace r1;
using namespace r1::test;

TEST(CudaBackendOps, EveryOpAgreesWithTheCpu) {
  if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";
  const int compared = check_backend_against_cpu(cuda::cuda_backend(0), [](const Case& c) { return c.tol; });
  // R1_OPS_FROM / R1_OPS_ONLY (scripts/gpu_check.sh) run a part of the table.
  const bool part = std::getenv("R1_OPS_FROM") || std::getenv("R1_OPS_ONLY");
  EXPECT_GT(compared, part ? 0 : 40);
}

// The bf16 backend against the CPU's bf16 emulation (tests/common/bf16_emulation.h), which
// rounds the same operands the same way. GEMM-based ops: a product of two bf16 values is exact in
// fp32, so the two differ only in the order of their fp32 sums, as the fp32 GEMMs do, and are
// held to the same 1e-4. Training attention: the tensor-core kernels also round P and dS to bf16
// (about 1.1e-3 relative rms per element, averaged over the keys), which the emulation does not,
// so 1e-2. (The emulation itself is within 1e-2 of fp32: tests/learner/test_bf16_emulation.cpp.)
// Every other op is the fp32 one, held to its own tolerance.
TEST(CudaBackendOps, Bf16EveryOpAgreesWithTheCpu) {
  if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";
  const Backend<float>& be = cuda::cuda_backend(0, cuda::Precision::bf16);
  EXPECT_STREQ(be.name, "cuda-bf16");
  const int compared = check_backend_against_cpu(
      be, [](const Case& c) { return bf16_gemm_op(c.op) ? 1e-4 : bf16_changes(c.op) ? 1e-2 : c.tol; },
      cpu_bf16_emulation());
  const bool part = std::getenv("R1_OPS_FROM") || std::getenv("R1_OPS_ONLY");
  EXPECT_GT(compared, part ? 0 : 40);
}

// A GEMM that bf16 rounding cannot explain away: the bf16 result of integers that bf16 holds
// exactly (|x| <= 256) is exact, over every transpose and an odd leading dimension.
TEST(CudaBackendOps, Bf16GemmOfSmallIntegersIsExact) {
  if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";
  const Backend<float>& be = cuda::cuda_backend(0, cuda::Precision::bf16);
  const Backend<float>& cpu = cpu_backend<float>();
  // C's rows are 300 bytes apart (A and B are cast to padded copies whatever their ld).
  const int M = 37, N = 29, K = 70, ld = 75;
  Rng r(3);
  std::vector<float> A(static_cast<size_t>(K) * ld), B(static_cast<size_t>(K) * ld), C0(static_cast<size_t>(M) * ld);
  for (auto* v : {&A, &B, &C0})
    for (auto& x : *v) x = static_cast<float>(static_cast<int>(r.below(17)) - 8);
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      SCOPED_TRACE(testing::Message() << "trans_a " << ta << " trans_b " << tb);
      std::vector<float> want = C0, got = C0;
      cpu.ops.gemm(ta, tb, M, N, K, 2.f, A.data(), ld, B.data(), ld, 1.f, want.data(), ld);
      DeviceBuffer<float> a(be.mem), b(be.mem), c(be.mem);
      a.resize(A.size());
      b.resize(B.size());
      c.resize(got.size());
      a.upload(A.data(), 0, A.size());
      b.upload(B.data(), 0, B.size());
      c.upload(got.data(), 0, got.size());
      be.ops.gemm(ta, tb, M, N, K, 2.f, a.data(), ld, b.data(), ld, 1.f, c.data(), ld);
      c.download(got.data(), 0, got.size());
      int wrong = 0;
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) wrong += got[i * ld + j] != want[i * ld + j];
      EXPECT_EQ(wrong, 0);
      for (int i = 0; i < M; ++i)  // columns past N untouched
        for (int j = N; j < ld; ++j) ASSERT_EQ(got[i * ld + j], C0[i * ld + j]);
    }
  }
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

// The bf16 backend's WMMA attention kernels (attention_tc.cu), which the mma ones
// (attention_mma.cu) replace for heads up to 128 wide, run for wider heads and must agree too.
TEST(CudaBackendOps, Bf16WmmaAttentionAgreesWithTheCpu) {
  if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";
  setenv("R1_CUDA_ATTENTION", "wmma", 1);
  setenv("R1_OPS_ONLY", "attention_", 1);
  const int compared = check_backend_against_cpu(
      cuda::cuda_backend(0, cuda::Precision::bf16),
      [](const Case& c) { return bf16_changes(c.op) ? 1e-2 : c.tol; }, cpu_bf16_emulation());
  unsetenv("R1_OPS_ONLY");
  unsetenv("R1_CUDA_ATTENTION");
  EXPECT_GE(compared, 12);
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
