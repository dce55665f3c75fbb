// Training attention on tensor cores with register accumulators (attention_mma.cu): the bf16
// backend's first choice for heads up to 128 wide. Same arguments, results and roundings as
// attention_tc.h's kernels (q, k, v, dO, P and dS rounded to bf16, fp32 accumulation), which
// remain for wider heads (MLA's 192).
#pragma once
#include <cstdint>

namespace r1::cuda {

// True on sm_80 and later where both head sizes, padded to 16, are at most 128, unless
// R1_CUDA_ATTENTION names another implementation (wmma, tiled or rows).
bool attention_mma_applies(int Dqk, int Dv);

void attention_mma_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                           const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                           int KVH, int Dqk, int Dv, float scale);
// Writes dq, dk and dv (every row; not accumulated).
void attention_mma_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                            const float* lse, const float* q, const float* k, const float* v,
                            const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                            int H, int KVH, int Dqk, int Dv, float scale);

}  // namespace r1::cuda
