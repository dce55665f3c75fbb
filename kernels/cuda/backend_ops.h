// The CUDA backend's ops (float, device pointers), with the signatures and semantics of the
// entries of Ops<float> in kernels/backend.h; backend_cuda.cu puts them in the table. Each is
// checked against the CPU op by tests/kernels/test_backend_ops.cpp on a machine with a GPU.
// All launch on the default stream; errors throw r1::Error.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/backend.h"

namespace r1::cuda {

// linear.cu (cuBLAS, fp32 with FP32 math: no TF32)
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc);
// The packed layout on CUDA is W (OC, C) itself (cuBLAS reads it as is): pack_linear copies, or
// transposes a (C, OC) W.
void pack_linear(float* Wp, const float* W, int C, int OC, bool transposed);
void linear_forward_packed(float* out, int ldo, const float* inp, int ldi, const float* Wp,
                           const float* bias, int N, int C, int OC, bool accumulate);
void linear_forward(float* out, const float* inp, const float* W, const float* bias, int N, int C, int OC);
void linear_backward(float* dinp, float* dW, float* dbias, const float* dout, const float* inp, const float* W, int N,
                     int C, int OC, bool accumulate_dinp);
// The bias halves of the linear ops, shared with the bf16 ones (gemm_bf16.h): out (N, OC) +=
// bias (OC); dbias (OC) += column sums of dout (N, OC).
void add_bias(float* out, const float* bias, int N, int OC);
void bias_grad(float* dbias, const float* dout, int N, int OC);

// tensor_ops.cu
void add_inplace(float* y, const float* x, size_t n);
void scale_inplace(float* x, size_t n, float s);
void split3(float* a, int wa, float* b, int wb, float* c, int wc, const float* src, int N);
void concat3(float* dst, const float* a, int wa, const float* b, int wb, const float* c, int wc, int N);
void gather_rows(float* dst, const float* src, const int32_t* rows, int R, int C);
void copy_2d(float* dst, int ldd, const float* src, int lds, int rows, int cols);
void embedding_forward(float* out, const int32_t* ids, const float* wte, int N, int C);
void embedding_backward(float* dwte, const float* dout, const int32_t* ids, int N, int C);
void rope_forward(float* x, const int32_t* pos, int N, int H, int D, const float* cos, const float* sin, int max_pos,
                  cpu::RopeLayout layout);
void rope_backward(float* dx, const int32_t* pos, int N, int H, int D, const float* cos, const float* sin, int max_pos,
                   cpu::RopeLayout layout);
void mla_expand_kv(float* k, float* v, const float* kvb, const float* kpe, int N, int H, int Dn, int Dr, int Dv);
void mla_expand_kv_backward(float* dkvb, float* dkpe, const float* dk, const float* dv, int N, int H, int Dn, int Dr,
                            int Dv);
void kv_cache_write(float* k_pool, float* v_pool, const float* k, const float* v, const int32_t* block_table,
                    int max_blocks, int block_size, const int32_t* seq_of, const int32_t* pos, int N, int K, int V);
void expert_bias_update(float* bias, const int64_t* load, int E, double gamma);

// attention.cu
void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                       const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH,
                       int Dqk, int Dv, float scale);
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                        const float* lse, const float* q, const float* k, const float* v,
                        const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH,
                        int Dqk, int Dv, float scale);
// The bf16 backend's: on tensor cores from bf16 roundings (attention_tc.h) where that applies,
// else the fp32 kernels above.
void attention_forward_bf16(float* out, float* lse, const float* q, const float* k, const float* v,
                            const int32_t* cu_seqlens, const int32_t* prefix_of, int S, int H, int KVH, int Dqk,
                            int Dv, float scale);
void attention_backward_bf16(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                             const float* q, const float* k, const float* v, const int32_t* cu_seqlens,
                             const int32_t* prefix_of, int S, int H, int KVH, int Dqk, int Dv, float scale);
void attention_paged_forward(float* out, const float* q, const float* k_pool, const float* v_pool,
                             int v_row, const int32_t* block_table, int max_blocks, int block_size,
                             const int32_t* seq_of, const int32_t* kv_len, int N, int H, int KVH,
                             int Dqk, int Dv, float scale);

// moe.cu
void router_forward(float* scores, int32_t* idx, float* w, const float* logits, const float* bias,
                    const cpu::RouterSpec& spec, int N);
void router_backward(float* dlogits, const float* dw, const float* scores, const int32_t* idx,
                     const cpu::RouterSpec& spec, int N);
void dispatch_plan(cpu::DispatchPlan& plan, const int32_t* idx, int N, int k, int E);
void moe_gather(float* xs, const float* x, const cpu::DispatchPlan& plan, int C);
void moe_combine_forward(float* out, const float* ys, const float* w, const cpu::DispatchPlan& plan, int C,
                         bool accumulate);
void moe_combine_backward(float* dys, float* dw, const float* dout, const float* ys, const float* w,
                          const cpu::DispatchPlan& plan, int C);
void moe_scatter_add(float* dx, const float* dxs, const cpu::DispatchPlan& plan, int C);

// loss.cu
void logprobs_forward(float* lp, float* lse, const float* logits, const int32_t* targets, int N, int V);
void logprobs_backward(float* dlogits, const float* dlp, const float* logits, const float* lse,
                       const int32_t* targets, int N, int V);
void softmax_entropy(float* ent, const float* logits, const float* lse, int N, int V);
double clip_global_norm(float* g, size_t n, double max_norm);

// sampling.cu
void sample_rows(int32_t* tokens, float* logprobs, const float* logits, int R, int V, const cpu::SamplingSpec& spec,
                 Rng* const* rngs);

}  // namespace r1::cuda
