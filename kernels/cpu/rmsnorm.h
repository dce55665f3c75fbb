// RMSNorm: out = x * rstd * w, rstd = 1 / sqrt(mean(x^2) + eps), per row of C values.
// Forward saves rstd (N) for backward. Backward accumulates dw and writes or accumulates dinp.
#pragma once

namespace r1::cpu {

template <typename T>
void rmsnorm_forward(T* out, T* rstd, const T* inp, const T* w, int N, int C, T eps);

template <typename T>
void rmsnorm_backward(T* dinp, T* dw, const T* dout, const T* inp, const T* w, const T* rstd, int N, int C,
                      bool accumulate_dinp);

}  // namespace r1::cpu
