// Linear layer: out (N, OC) = inp (N, C) @ W (OC, C)^T + bias (OC). W is stored as in PyTorch
// (out_features, in_features). Backward accumulates into dW and dbias (llm.c style: gradients
// are zeroed once per step), and writes or accumulates dinp.
#pragma once

namespace r1::cpu {

template <typename T>
void linear_forward(T* out, const T* inp, const T* W, const T* bias, int N, int C, int OC);

// dinp may be null (no gradient needed); accumulate_dinp chooses += over =.
template <typename T>
void linear_backward(T* dinp, T* dW, T* dbias, const T* dout, const T* inp, const T* W, int N, int C, int OC,
                     bool accumulate_dinp);

}  // namespace r1::cpu
