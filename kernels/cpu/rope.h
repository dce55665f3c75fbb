// Rotary position embedding. Default "rotate half" convention (Llama, Qwen): for each head of D
// values, pair x[i] with x[i + D/2] and rotate by angle pos * theta^(-2i/D). The interleaved
// convention (DeepSeek-V3 with rope_interleave) pairs x[2i] with x[2i+1] instead, with the same
// angles. Applied in place to x (N, H, D) with per-token positions pos (N). Backward is the
// rotation by the opposite angle.
//
// Hugging Face's DeepSeek-V3 implements rope_interleave by de-interleaving (evens, then odds) and
// rotating halves, which leaves the rotated values permuted. Queries and keys get the same
// permutation and only their dot products are used, so rotating pairs in place gives exactly the
// same attention.
#pragma once
#include <cstdint>
#include <vector>

namespace r1::cpu {

// cos and sin of pos * inv_freq[i], laid out (max_pos, D/2). Computed in double, stored as T.
template <typename T>
struct RopeTable {
  int max_pos = 0, half = 0;
  std::vector<T> cos, sin;
  RopeTable() = default;
  RopeTable(int max_pos, int head_dim, double theta);
};

// Where the D rotated values of each head sit: head h of token n starts at x + (n*H + h) * stride
// (stride 0 means D, contiguous heads). Multi-head Latent Attention rotates only the last
// qk_rope_head_dim values of each query head: x points at the first of them, stride is the head
// size.
struct RopeLayout {
  int stride = 0;
  bool interleaved = false;
};

template <typename T>
void rope_forward(T* x, const int32_t* pos, int N, int H, int D, const RopeTable<T>& table, RopeLayout layout = {});

// The same, with the table as two arrays cos, sin (max_pos, D/2): the backend op's form, whose
// arrays live in the backend's memory.
template <typename T>
void rope_forward(T* x, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos,
                  RopeLayout layout);
template <typename T>
void rope_backward(T* dx, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos,
                   RopeLayout layout);

template <typename T>
void rope_backward(T* dx, const int32_t* pos, int N, int H, int D, const RopeTable<T>& table,
                   RopeLayout layout = {});

}  // namespace r1::cpu
