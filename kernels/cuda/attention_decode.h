// Decode attention over the paged KV cache (attention_decode.cu): what attention_paged_forward
// runs where it applies, with the same arguments and results as attention.cu's row kernel.
#pragma once
#include <cstdint>

namespace r1::cuda {

// True where at most 8 query heads share a kv head and both head sizes are at most 128 (Qwen3,
// Llama-style GQA), unless R1_CUDA_ATTENTION=rows asks for the row kernel. MLA's latent cache
// (one kv head for every query head, rows of 576) runs on the row kernel.
bool attention_decode_applies(int H, int KVH, int Dqk, int Dv);

void attention_decode_forward(float* out, const float* q, const float* k_pool, const float* v_pool,
                              int v_row, const int32_t* block_table, int max_blocks, int block_size,
                              const int32_t* seq_of, const int32_t* kv_len, int N, int H, int KVH,
                              int Dqk, int Dv, float scale);

}  // namespace r1::cuda
