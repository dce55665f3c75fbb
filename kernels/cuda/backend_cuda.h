// The CUDA backend: device memory from cudaMalloc and the kernels of kernels/cuda, in the op
// table of kernels/backend.h (float, fp32 arithmetic). Built when nvcc is found; see
// kernels/backend_select.h for choosing it by name.
#pragma once
#include "kernels/backend.h"

namespace r1::cuda {

// The backend on GPU `device` (made current for this process). Throws r1::Error naming the
// device when there is no GPU, no driver, or no such device.
const Backend<float>& cuda_backend(int device = 0);

}  // namespace r1::cuda
