// Tiled attention on tensor cores (attention_tc.cu): what the bf16 backend's attention_forward
// and attention_backward run when it applies, with the same arguments and results as the fp32
// ones (N = cu_seqlens[S], already read by the caller), computed from bf16 roundings of q, k, v,
// dO and of the probabilities, with fp32 accumulation.
#pragma once
#include <cstdint>

namespace r1::cuda {

// False on GPUs before sm_80, where a head is over 256 wide or needs more shared memory than the
// GPU has (Ampere, for heads of 128), and when R1_CUDA_ATTENTION=tiled or rows asks for the fp32
// kernels. Then the bf16 backend runs the fp32 ones.
bool attention_tc_applies(int Dqk, int Dv);

void attention_tc_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                          const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                          int KVH, int Dqk, int Dv, float scale);
// Writes dq, dk and dv (every row; not accumulated).
void attention_tc_backward(float* dq, float* dk, float* dv, const float* dout, const float* out,
                           const float* lse, const float* q, const float* k, const float* v,
                           const int32_t* cu_seqlens, const int32_t* prefix_of, int N, int S, int H,
                           int KVH, int Dqk, int Dv, float scale);

}  // namespace r1::cuda
