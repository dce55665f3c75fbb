// SwiGLU: out (N, I) = silu(gate) * up, reading gate and up from one (N, 2I) buffer
// gu = [gate | up] per row. That buffer is what one GEMM against the concatenated
// [gate_proj; up_proj] weight produces (the parameter table keeps them adjacent).
#pragma once

namespace r1::cpu {

template <typename T>
void swiglu_forward(T* out, const T* gu, int N, int I);

// Writes dgu (N, 2I).
template <typename T>
void swiglu_backward(T* dgu, const T* dout, const T* gu, int N, int I);

}  // namespace r1::cpu
