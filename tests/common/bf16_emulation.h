// The bf16 backend's arithmetic on the CPU, for tests: the CPU backend with both operands of
// every GEMM-based op (gemm, the linear ops, the packed linears) rounded to bf16 (to nearest,
// ties to even: what __float2bfloat16_rn does), then multiplied and summed in fp32, as the CUDA
// bf16 backend (kernels/cuda/gemm_bf16.h) does on tensor cores. Training attention gets its
// inputs rounded the same way (q, k, v, dO); the tensor-core kernels also round the
// probabilities inside (attention_tc.cu), which this does not copy. Biases and every other op
// stay fp32, as there.
//
// Two uses: on any machine, it measures what bf16 costs against fp32, so the bounds the GPU
// tests hold the CUDA bf16 backend to are shown to fit bf16 arithmetic (tests/learner/
// test_bf16_emulation.cpp); on a GPU, it is the tight reference for the CUDA bf16 ops, which
// see the same rounded operands, so they differ from it only in the order of fp32 sums.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace r1::test {

inline float round_bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0x7f800000u) {
    if (u & 0x007fffffu) u |= 0x00400000u;  // NaN: keep it a NaN after the cut
  } else {
    u += 0x7fffu + ((u >> 16) & 1u);  // to nearest, ties to even (may carry into the exponent)
  }
  u &= 0xffff0000u;
  std::memcpy(&x, &u, 4);
  return x;
}

// A copy of a row-major (rows, cols) matrix with leading dimension ld, its elements rounded to
// bf16, in the same layout.
inline std::vector<float> rounded_bf16(const float* p, int rows, int cols, int ld) {
  if (rows <= 0 || cols <= 0) return std::vector<float>(1);
  std::vector<float> r(static_cast<size_t>(rows - 1) * ld + cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      r[static_cast<size_t>(i) * ld + j] = round_bf16(p[static_cast<size_t>(i) * ld + j]);
  return r;
}

namespace bf16_emulation {

inline const Ops<float>& cpu_ops() {
  return cpu_backend<float>().ops;
}

inline void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
  const auto a = rounded_bf16(A, ta ? K : M, ta ? M : K, lda);
  const auto b = rounded_bf16(B, tb ? N : K, tb ? K : N, ldb);
  cpu_ops().gemm(ta, tb, M, N, K, alpha, a.data(), lda, b.data(), ldb, beta, C, ldc);
}

inline void linear_forward(float* out, const float* inp, const float* W, const float* bias, int N,
                           int C, int OC) {
  const auto x = rounded_bf16(inp, N, C, C), w = rounded_bf16(W, OC, C, C);
  cpu_ops().linear_forward(out, x.data(), w.data(), bias, N, C, OC);
}

inline void linear_backward(float* dinp, float* dW, float* dbias, const float* dout,
                            const float* inp, const float* W, int N, int C, int OC,
                            bool accumulate_dinp) {
  const auto g = rounded_bf16(dout, N, OC, OC), x = rounded_bf16(inp, N, C, C),
             w = rounded_bf16(W, OC, C, C);
  cpu_ops().linear_backward(dinp, dW, nullptr, g.data(), x.data(), w.data(), N, C, OC,
                            accumulate_dinp);
  if (dbias)
    cpu_ops().linear_backward(nullptr, nullptr, dbias, dout, inp, W, N, C, OC,
                              false);  // fp32, as on CUDA
}

inline void pack_linear(float* Wp, const float* W, int C, int OC, bool transposed) {
  const auto w = transposed ? rounded_bf16(W, C, OC, OC) : rounded_bf16(W, OC, C, C);
  cpu_ops().pack_linear(Wp, w.data(), C, OC, transposed);
}

inline void linear_forward_packed(float* out, int ldo, const float* inp, int ldi, const float* Wp,
                                  const float* bias, int N, int C, int OC, bool accumulate) {
  const auto x = rounded_bf16(inp, N, C, ldi);
  cpu_ops().linear_forward_packed(out, ldo, x.data(), ldi, Wp, bias, N, C, OC, accumulate);
}

inline void attention_forward(float* out, float* lse, const float* q, const float* k,
                              const float* v, const int32_t* cu, const int32_t* prefix_of, int S,
                              int H, int KVH, int Dqk, int Dv, float scale) {
  const int N = cu[S];
  const auto qr = rounded_bf16(q, N, H * Dqk, H * Dqk),
             kr = rounded_bf16(k, N, KVH * Dqk, KVH * Dqk),
             vr = rounded_bf16(v, N, KVH * Dv, KVH * Dv);
  cpu_ops().attention_forward(out, lse, qr.data(), kr.data(), vr.data(), cu, prefix_of, S, H, KVH,
                              Dqk, Dv, scale);
}

inline void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                               const float* lse, const float* q, const float* k, const float* v,
                               const int32_t* cu, const int32_t* prefix_of, int S, int H, int KVH,
                               int Dqk, int Dv, float scale) {
  const int N = cu[S];
  const auto qr = rounded_bf16(q, N, H * Dqk, H * Dqk),
             kr = rounded_bf16(k, N, KVH * Dqk, KVH * Dqk),
             vr = rounded_bf16(v, N, KVH * Dv, KVH * Dv),
             gr = rounded_bf16(dout, N, H * Dv, H * Dv);
  cpu_ops().attention_backward(dq, dk, dv, gr.data(), out, lse, qr.data(), kr.data(), vr.data(), cu,
                               prefix_of, S, H, KVH, Dqk, Dv, scale);
}

}  // namespace bf16_emulation

// The CPU backend with bf16 GEMM operands (host memory; every other op the CPU's own).
inline const Backend<float>& cpu_bf16_emulation() {
  static const Backend<float> b = [] {
    Backend<float> x = cpu_backend<float>();
    x.name = "cpu-bf16-emulation";
    x.ops.gemm = bf16_emulation::gemm;
    x.ops.linear_forward = bf16_emulation::linear_forward;
    x.ops.linear_backward = bf16_emulation::linear_backward;
    x.ops.pack_linear = bf16_emulation::pack_linear;
    x.ops.linear_forward_packed = bf16_emulation::linear_forward_packed;
    x.ops.attention_forward = bf16_emulation::attention_forward;
    x.ops.attention_backward = bf16_emulation::attention_backward;
    return x;
  }();
  return b;
}

// The ops whose results bf16 changes (the rest are the fp32 ops on both backends).
inline bool bf16_gemm_op(const std::string& op) {
  return op == "gemm" || op == "linear_forward" || op == "linear_backward" || op == "pack_linear" ||
         op == "linear_forward_packed";
}
inline bool bf16_changes(const std::string& op) {
  return bf16_gemm_op(op) || op == "attention_forward" || op == "attention_backward";
}

}  // namespace r1::test
