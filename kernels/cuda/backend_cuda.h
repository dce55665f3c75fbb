// The CUDA backend: device memory from cudaMalloc and the kernels of kernels/cuda, in the op
// table of kernels/backend.h. Built when nvcc is found; see kernels/backend_select.h for
// choosing it by name.
//
// Two precisions share every buffer layout (fp32) and every op but the GEMMs:
//   - fp32: cuBLAS SGEMM without TF32, so that CUDA can be checked against the CPU token for token;
//   - bf16: the GEMMs (gemm, the linear ops, decode's packed linears) on tensor cores through
//     cuBLASLt, operands rounded to bf16, fp32 accumulation and output (gemm_bf16.h), and
//     training attention on tensor cores the same way (attention_tc.h). Parameters, gradients,
//     activations and AdamW's moments stay fp32: the master weights. Decode attention over the
//     KV cache stays fp32.
#pragma once
#include "kernels/backend.h"

namespace r1::cuda {

enum class Precision { fp32, bf16 };

// The backend on GPU `device` (made current for this process) at `precision`. Throws r1::Error
// naming the device when there is no GPU, no driver, or no such device.
const Backend<float>& cuda_backend(int device = 0, Precision precision = Precision::fp32);

}  // namespace r1::cuda
