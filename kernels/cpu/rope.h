// Rotary position embedding, "rotate half" convention (Llama, Qwen): for each head of D values,
// pair x[i] with x[i + D/2] and rotate by angle pos * theta^(-2i/D). Applied in place to
// x (N, H, D) with per-token positions pos (N). Backward is the rotation by the opposite angle.
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

template <typename T>
void rope_forward(T* x, const int32_t* pos, int N, int H, int D, const RopeTable<T>& table);

template <typename T>
void rope_backward(T* dx, const int32_t* pos, int N, int H, int D, const RopeTable<T>& table);

}  // namespace r1::cpu
