// Tiled attention over packed causal sequences (attention_tiled.cu): what attention.cu's
// attention_forward and attention_backward run when it applies, with the same arguments and
// results (N = cu_seqlens[S], already read by the caller).
#pragma once
#include <cstdint>

namespace r1::cuda {

// False where the head sizes need more shared memory than the GPU has (or above 256), and when
// R1_CUDA_ATTENTION=rows asks for the row kernels (tests compare both with the CPU).
bool attention_tiled_applies(int Dqk, int Dv);

void attention_tiled_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                             const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                             int H, int KVH, int Dqk, int Dv, float scale);
// Writes dq, dk and dv (every row; not accumulated).
void attention_tiled_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                              const float* lse, const float* q, const float* k, const float* v,
                              const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S,
                              int H, int KVH, int Dqk, int Dv, float scale);

}  // namespace r1::cuda
