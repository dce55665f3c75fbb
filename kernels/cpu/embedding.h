// Token embedding: out (N, C) = wte (V, C)[ids (N)]. Backward accumulates rows into dwte.
#pragma once
#include <cstdint>

namespace r1::cpu {

template <typename T>
void embedding_forward(T* out, const int32_t* ids, const T* wte, int N, int C);

template <typename T>
void embedding_backward(T* dwte, const T* dout, const int32_t* ids, int N, int C);

}  // namespace r1::cpu
