// Choosing a backend by the name a user writes: "cpu", "cuda" (GPU 0) or "cuda:N". Used by the
// "device" field of model sections and the --device flags.
#pragma once
#include <string>

#include "kernels/backend.h"

namespace r1 {

// The backend named by `device`. Throws r1::Error starting with `where` (the field or flag)
// when the name is unknown, when this build has no CUDA backend, or when the GPU is missing.
const Backend<float>& backend_for(const std::string& device, const std::string& where);

// Whether this build includes the CUDA backend (nvcc was found when it was configured).
bool cuda_backend_built();

}  // namespace r1
