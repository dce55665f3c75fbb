// Choosing a backend by the names a user writes: the device, "cpu", "cuda" (GPU 0) or "cuda:N",
// and the precision ("dtype"), "fp32" or "bf16". Used by the "device" and "dtype" fields of model
// sections and the --device and --dtype flags.
#pragma once
#include <string>

#include "kernels/backend.h"

namespace r1 {

// The backend named by `device` at `dtype` ("" is the device's default, default_dtype). Throws
// r1::Error starting with `where` (the device's field or flag; `where_dtype` for an unknown dtype
// or one the device lacks, `where` when empty) when a name is unknown, when this build has no
// CUDA backend, when the GPU is missing, or when the device has no such precision (the CPU
// computes in fp32 only).
const Backend<float>& backend_for(const std::string& device, const std::string& dtype, const std::string& where,
                                  const std::string& where_dtype = "");
inline const Backend<float>& backend_for(const std::string& device, const std::string& where) {
  return backend_for(device, "", where);
}

// The precision a device runs at when none is named: bf16 on CUDA (it passed scripts/gpu_check.sh
// on an H200; docs/gpu.md), fp32 on the CPU. backend_for logs the choice when it was the default,
// so that a CUDA run started before bf16 became the default says, when resumed, that it now
// trains in bf16 ("dtype": "fp32" keeps fp32).
std::string default_dtype(const std::string& device);
// "" (the default), "fp32" or "bf16": for the checks of config fields and flags.
inline bool known_dtype(const std::string& d) { return d.empty() || d == "fp32" || d == "bf16"; }

// Whether this build includes the CUDA backend (nvcc was found when it was configured).
bool cuda_backend_built();

}  // namespace r1
