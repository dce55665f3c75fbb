// CUDA versions of CPU ops (kernels/cpu), with the same shapes and semantics, on device
// pointers (float only); the rest of the backend's ops are in backend_ops.h. Each is tested
// against its CPU twin by the op harness (tests/cuda/), which skips when no GPU is present.
// Launches go to the default stream; errors throw r1::Error.
#pragma once
#include <cstddef>

#include "kernels/cpu/adamw.h"

namespace r1::cuda {

void rmsnorm_forward(float* out, float* rstd, const float* inp, const float* w, int N, int C, float eps);
void rmsnorm_backward(float* dinp, float* dw, const float* dout, const float* inp, const float* w, const float* rstd,
                      int N, int C, bool accumulate_dinp);
void swiglu_forward(float* out, const float* gu, int N, int I);
void swiglu_backward(float* dgu, const float* dout, const float* gu, int N, int I);
void adamw_update(float* p, const float* g, float* m, float* v, size_t n, const cpu::AdamWHyper& h, long t);

// Waits for the device (benchmarks time with it). Memory comes from the backend (backend_cuda.h).
void synchronize();

}  // namespace r1::cuda
