// bf16 GEMMs through cuBLASLt (gemm_bf16.h). Row-major C = op(A) op(B) is computed as the
// column-major product C^T = op(B)^T op(A)^T, as linear.cu does with cuBLAS.
//
// Why the operands are cast on every call rather than kept in bf16: the model's buffers stay
// fp32, so every other op of the table is shared with the fp32 backend, and AdamW updates the
// fp32 master weights with no second copy to keep in step. A cast reads 4 and writes 2 bytes per
// element; for a weight that is used by a whole batch of tokens that is small beside the GEMM.
// Decode, which reads each weight for a few rows, packs its weights to bf16 once (pack_linear).
#include <cublasLt.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "kernels/cpu/linear_packed.h"
#include "kernels/cuda/backend_ops.h"
#include "kernels/cuda/blas.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/gemm_bf16.h"

namespace r1::cuda {
namespace {

static_assert(sizeof(__nv_bfloat16) == sizeof(bf16_bits));

void check_lt(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) fail("cuBLASLt ", what, ": status ", static_cast<int>(s));
}

cublasLtHandle_t lt_handle() {
  static cublasLtHandle_t h = [] {
    cublasLtHandle_t x = nullptr;
    check_lt(cublasLtCreate(&x), "cublasLtCreate");
    return x;
  }();
  return h;
}

// The leading dimension of a cast operand: its width rounded up to 8 elements, so that every row
// starts 16-byte aligned (tensor-core kernels want it; a dense odd width would leave cuBLASLt
// only its slowest kernels, or none).
int padded_ld(int cols) {
  return (cols + 7) / 8 * 8;
}

constexpr size_t kWorkspaceBytes = size_t{32} << 20;

// This host thread's scratch (common.cuh): the casts of a call's operands, one slot each, and
// cuBLASLt's workspace.
enum Slot { kOperandA = 0, kOperandB = 1, kOperandC = 2, kWorkspace = 3 };
DeviceScratch& scratch(Slot slot) {
  thread_local DeviceScratch slots[4];
  return slots[slot];
}

// The largest power of two (at most 256) that divides the address: cuBLASLt picks only kernels
// that accept the alignment it is told.
uint32_t alignment(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  if (a == 0) return 256;
  return static_cast<uint32_t>(std::min<uintptr_t>(256, a & (~a + 1)));
}

struct PlanKey {
  int m, n, k, ta, tb, lda, ldb, ldc;
  uint32_t align_a, align_b, align_c;
  bool operator<(const PlanKey& o) const {
    return std::tie(m, n, k, ta, tb, lda, ldb, ldc, align_a, align_b, align_c) <
           std::tie(o.m, o.n, o.k, o.ta, o.tb, o.lda, o.ldb, o.ldc, o.align_a, o.align_b,
                    o.align_c);
  }
};

// One product's descriptors and the algorithm cuBLASLt's heuristic chose for them, or none
// (gemm_ex: the product goes to cublasGemmEx instead).
struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t x = nullptr, y = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool gemm_ex = false;
  void destroy() {
    if (desc) cublasLtMatmulDescDestroy(desc);
    if (x) cublasLtMatrixLayoutDestroy(x);
    if (y) cublasLtMatrixLayoutDestroy(y);
    if (c) cublasLtMatrixLayoutDestroy(c);
  }
};

// Column-major: the cuBLAS "A" (x) is the row-major B, the cuBLAS "B" (y) the row-major A, and
// C^T (N, M) is C as stored. A layout describes a matrix as stored, before its op.
Plan make_plan(const PlanKey& key) {
  Plan p;
  const int M = key.n, N = key.m, K = key.k;  // key.m / key.n are cuBLAS's m (= N) and n (= M)
  check_lt(cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "MatmulDescCreate");
  const cublasOperation_t opx = key.tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                          opy = key.ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  check_lt(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opx, sizeof(opx)),
           "TRANSA");
  check_lt(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opy, sizeof(opy)),
           "TRANSB");
  check_lt(cublasLtMatrixLayoutCreate(&p.x, CUDA_R_16BF, key.tb ? K : N, key.tb ? N : K, key.ldb),
           "layout of B");
  check_lt(cublasLtMatrixLayoutCreate(&p.y, CUDA_R_16BF, key.ta ? M : K, key.ta ? K : M, key.lda),
           "layout of A");
  check_lt(cublasLtMatrixLayoutCreate(&p.c, CUDA_R_32F, N, M, key.ldc), "layout of C");
  cublasLtMatmulPreference_t pref = nullptr;
  check_lt(cublasLtMatmulPreferenceCreate(&pref), "PreferenceCreate");
  const uint64_t ws = kWorkspaceBytes;
  auto prefer = [&](cublasLtMatmulPreferenceAttributes_t attr, const void* v, size_t bytes) {
    const cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(pref, attr, v, bytes);
    if (st != CUBLAS_STATUS_SUCCESS) {
      cublasLtMatmulPreferenceDestroy(pref);
      p.destroy();
      check_lt(st, "MatmulPreferenceSetAttribute");
    }
  };
  prefer(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws));
  // x is B and y is A (see above).
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &key.align_b, sizeof(uint32_t));
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &key.align_a, sizeof(uint32_t));
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &key.align_c, sizeof(uint32_t));
  prefer(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &key.align_c, sizeof(uint32_t));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t s = cublasLtMatmulAlgoGetHeuristic(lt_handle(), p.desc, p.x, p.y, p.c, p.c,
                                                          pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (s != CUBLAS_STATUS_SUCCESS || found == 0 || result.state != CUBLAS_STATUS_SUCCESS) {
    p.destroy();  // no cuBLASLt algorithm for this shape and alignment: cublasGemmEx will do it
    p = Plan{};
    p.gemm_ex = true;
  } else {
    p.algo = result.algo;
  }
  return p;
}

// Plans by shape. MoE layers make many shapes (each expert's token count), so the cache is
// bounded; a shape past the bound is planned for its call alone.
constexpr size_t kMaxPlans = 8192;

// dst (rows, cols, rows ldd apart) = bf16 of src's element (r, c) at src[r * rs + c * cs]: a
// row-major matrix (rs = its leading dimension, cs = 1) or a transposed one (rs = 1, cs = its
// leading dimension).
__global__ void cast_kernel(__nv_bfloat16* dst, int ldd, const float* src, int rows, int cols,
                            size_t rs, size_t cs) {
  const size_t n = static_cast<size_t>(rows) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / cols, c = i % cols;
    dst[r * ldd + c] = __float2bfloat16_rn(src[r * rs + c * cs]);
  }
}

// The row stride of a packed bf16 W (OC, C): padded like a cast operand where Wp's
// packed_linear_size(C, OC) floats hold it (C >= 4), else dense.
int packed_ld(int C, int OC) {
  const size_t room = 2 * cpu::packed_linear_size(C, OC);  // bf16 values Wp holds
  return static_cast<size_t>(OC) * padded_ld(C) <= room ? padded_ld(C) : C;
}

unsigned grid_for(size_t n) {
  return static_cast<unsigned>(std::min<size_t>(blocks_for(n), 65535));
}

// A row-major operand (rows, cols, ld) cast into the thread's scratch slot, rows padded_ld(cols)
// apart (the padding is never read).
const bf16_bits* cast_operand(Slot slot, const float* src, int rows, int cols, int ld) {
  const int ldd = padded_ld(cols);
  bf16_bits* dst = scratch(slot).as<bf16_bits>(static_cast<size_t>(rows) * ldd);
  cast_to_bf16(dst, ldd, src, rows, cols, ld);
  return dst;
}

}  // namespace

void cast_to_bf16(bf16_bits* dst, int ldd, const float* src, int rows, int cols, int lds) {
  const size_t n = static_cast<size_t>(rows) * cols;
  if (n == 0) return;
  cast_kernel<<<grid_for(n), 256, 0, stream()>>>(reinterpret_cast<__nv_bfloat16*>(dst), ldd, src,
                                                 rows, cols, lds, 1);
  check_launch("cast to bf16");
}

void matmul_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const bf16_bits* A,
                 int lda, const bf16_bits* B, int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) fail("matmul_bf16: K is 0");  // callers handle it (gemm_bf16 scales C in fp32)
  const PlanKey key{N,           M, K, trans_a, trans_b, lda, ldb, ldc, alignment(A), alignment(B),
                    alignment(C)};
  static std::mutex mu;
  static std::map<PlanKey, Plan> plans;
  Plan plan;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = plans.find(key);
    if (it != plans.end()) {
      plan = it->second;
      cached = true;
    }
  }
  if (!cached) {
    plan = make_plan(key);
    std::lock_guard<std::mutex> lock(mu);
    if (plans.size() < kMaxPlans) {
      auto [it, inserted] = plans.emplace(key, plan);
      if (!inserted) {  // another thread planned the same shape meanwhile
        plan.destroy();
        plan = it->second;
      }
      cached = true;
    }
  }
  if (plan.gemm_ex) {  // the same product through cuBLAS (plan made no cuBLASLt descriptors)
    CublasLease blas;
    const cublasStatus_t s = cublasGemmEx(blas.handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                          trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B,
                                          CUDA_R_16BF, ldb, A, CUDA_R_16BF, lda, &beta, C,
                                          CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    if (s != CUBLAS_STATUS_SUCCESS)
      fail("cublasGemmEx (bf16): status ", static_cast<int>(s), " for M ", M, " N ", N, " K ", K);
    return;
  }
  void* ws = scratch(kWorkspace).get(kWorkspaceBytes);
  const cublasStatus_t s =
      cublasLtMatmul(lt_handle(), plan.desc, &alpha, B, plan.x, A, plan.y, &beta, C, plan.c, C,
                     plan.c, &plan.algo, ws, kWorkspaceBytes, stream());
  if (!cached) plan.destroy();  // cuBLASLt has read the descriptors once the call is queued
  if (s != CUBLAS_STATUS_SUCCESS) {
    fail("cuBLASLt matmul (bf16): status ", static_cast<int>(s), " for M ", M, " N ", N, " K ", K);
  }
}

void gemm_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
               int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0)
    return gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);  // C = beta C
  const bf16_bits* a = cast_operand(kOperandA, A, trans_a ? K : M, trans_a ? M : K, lda);
  const bf16_bits* b = cast_operand(kOperandB, B, trans_b ? N : K, trans_b ? K : N, ldb);
  matmul_bf16(trans_a, trans_b, M, N, K, alpha, a, padded_ld(trans_a ? M : K), b,
              padded_ld(trans_b ? K : N), beta, C, ldc);
}

void linear_forward_bf16(float* out, const float* inp, const float* W, const float* bias, int N,
                         int C, int OC) {
  if (N == 0) return;
  gemm_bf16(false, true, N, OC, C, 1.f, inp, C, W, C, 0.f, out, OC);
  if (bias) add_bias(out, bias, N, OC);
}

void linear_backward_bf16(float* dinp, float* dW, float* dbias, const float* dout, const float* inp,
                          const float* W, int N, int C, int OC, bool accumulate_dinp) {
  if (N == 0) return;
  if (OC == 0) {  // no outputs: dinp is 0 (or unchanged); dW and dbias are empty
    if (dinp && !accumulate_dinp && C > 0)
      check(cudaMemsetAsync(dinp, 0, sizeof(float) * static_cast<size_t>(N) * C, stream()),
            "zero dinp");
    return;
  }
  if (C > 0 && (dinp || dW)) {
    const bf16_bits* dout_b = cast_operand(kOperandA, dout, N, OC, OC);  // read by both products
    if (dinp) {
      const bf16_bits* w_b = cast_operand(kOperandB, W, OC, C, C);
      matmul_bf16(false, false, N, C, OC, 1.f, dout_b, padded_ld(OC), w_b, padded_ld(C),
                  accumulate_dinp ? 1.f : 0.f, dinp, C);
    }
    if (dW) {
      const bf16_bits* inp_b = cast_operand(kOperandC, inp, N, C, C);
      matmul_bf16(true, false, OC, C, N, 1.f, dout_b, padded_ld(OC), inp_b, padded_ld(C), 1.f, dW,
                  C);
    }
  }
  if (dbias) bias_grad(dbias, dout, N, OC);
}

void pack_linear_bf16(float* Wp, const float* W, int C, int OC, bool transposed) {
  auto* dst = reinterpret_cast<bf16_bits*>(Wp);  // (OC, C) bf16: half of Wp's floats
  const size_t n = static_cast<size_t>(C) * OC;
  if (n == 0) return;
  const int ldd = packed_ld(C, OC);
  if (!transposed) return cast_to_bf16(dst, ldd, W, OC, C, C);
  // W is (C, OC): element (o, c) of the (OC, C) copy is W[c * OC + o].
  cast_kernel<<<grid_for(n), 256, 0, stream()>>>(reinterpret_cast<__nv_bfloat16*>(dst), ldd, W, OC,
                                                 C, 1, OC);
  check_launch("pack_linear (bf16)");
}

void linear_forward_packed_bf16(float* out, int ldo, const float* inp, int ldi, const float* Wp,
                                const float* bias, int N, int C, int OC, bool accumulate) {
  if (accumulate && bias) fail("linear_forward_packed: accumulate takes no bias");
  if (bias && ldo != OC) fail("linear_forward_packed: a bias needs contiguous rows");
  if (N == 0) return;
  if (C == 0) {  // out = 0 (or unchanged), then the bias
    gemm(false, true, N, OC, 0, 1.f, inp, ldi, Wp, 1, accumulate ? 1.f : 0.f, out, ldo);
  } else {
    const bf16_bits* inp_b = cast_operand(kOperandA, inp, N, C, ldi);
    matmul_bf16(false, true, N, OC, C, 1.f, inp_b, padded_ld(C),
                reinterpret_cast<const bf16_bits*>(Wp), packed_ld(C, OC), accumulate ? 1.f : 0.f,
                out, ldo);
  }
  if (bias) add_bias(out, bias, N, OC);
}

}  // namespace r1::cuda
