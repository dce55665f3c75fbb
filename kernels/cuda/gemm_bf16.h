// bf16 GEMMs on tensor cores through cuBLASLt: bf16 operands, fp32 accumulation, fp32 output.
// The model keeps every buffer in fp32 (parameters are the fp32 master weights AdamW updates);
// the bf16 backend (backend_cuda.h, Precision::bf16) rounds a GEMM's two operands to bf16 on
// the way in and writes fp32, as autocast does. Decode's packed weights are stored in bf16.
#pragma once
#include <cstddef>
#include <cstdint>

namespace r1::cuda {

// A bf16 value as stored (the upper half of an fp32); the kernels read it as __nv_bfloat16.
using bf16_bits = uint16_t;

// C (M, N, fp32, row-major, ldc) = alpha op(A) op(B) + beta C, with A and B bf16 in device
// memory (row-major with leading dimensions, as Ops::gemm). Plans are cached by shape.
void matmul_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const bf16_bits* A,
                 int lda, const bf16_bits* B, int ldb, float beta, float* C, int ldc);

// dst (rows, cols, leading dimension ldd) = bf16(src (rows, cols), leading dimension lds), rounded
// to nearest, ties to even.
void cast_to_bf16(bf16_bits* dst, int ldd, const float* src, int rows, int cols, int lds);

// The ops of the table that change with bf16 (the rest of the backend is shared with fp32). Same
// signatures and semantics as in kernels/backend.h; pack_linear writes W (OC, C) in bf16 into the
// first half of Wp (rows padded to 8 values where Wp has room), and linear_forward_packed reads it
// so. If cuBLASLt has no algorithm for a shape and alignment, the product goes to cublasGemmEx
// with the same types.
void gemm_bf16(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
               int lda, const float* B, int ldb, float beta, float* C, int ldc);
void linear_forward_bf16(float* out, const float* inp, const float* W, const float* bias, int N,
                         int C, int OC);
void linear_backward_bf16(float* dinp, float* dW, float* dbias, const float* dout, const float* inp,
                          const float* W, int N, int C, int OC, bool accumulate_dinp);
void pack_linear_bf16(float* Wp, const float* W, int C, int OC, bool transposed);
void linear_forward_packed_bf16(float* out, int ldo, const float* inp, int ldi, const float* Wp,
                                const float* bias, int N, int C, int OC, bool accumulate);

}  // namespace r1::cuda
