// Linear layers on weights packed once (decode). out (N, OC) = inp (N, C) @ W (OC, C)^T + bias,
// as linear_forward, but W comes in the layout the CPU micro-kernel reads: panels of
// kLinearPanel output features, each panel's C columns interleaved, so that
//   Wp[(p * C + k) * kLinearPanel + j] = W[p * kLinearPanel + j, k]   (0 past OC).
// Packing is O(OC * C) and is done once per weight version instead of inside every GEMM call:
// at decode's small row counts (a lane's 32 rows, an expert's 8) sgemm spent as long packing W
// as multiplying (docs/performance.md). The size of a packed matrix is packed_linear_size.
#pragma once
#include <cstddef>

namespace r1::cpu {

inline constexpr int kLinearPanel = 16;

inline size_t packed_linear_size(int C, int OC) {
  return static_cast<size_t>((OC + kLinearPanel - 1) / kLinearPanel) * kLinearPanel * C;
}

// transposed: W is stored (C, OC) instead (a product x @ W rather than x @ W^T).
template <typename T>
void pack_linear(T* Wp, const T* W, int C, int OC, bool transposed);

// Rows of out and inp are ldo and ldi apart (OC and C when contiguous; more for one head of a
// multi-head array). accumulate: out += instead of out = (bias must then be null).
template <typename T>
void linear_forward_packed(T* out, int ldo, const T* inp, int ldi, const T* Wp, const T* bias, int N, int C,
                           int OC, bool accumulate);

}  // namespace r1::cpu
