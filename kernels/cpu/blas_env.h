// OpenBLAS picks its kernels from the CPU model number. Under some hypervisors the model is
// masked and OpenBLAS 0.3.21 falls back to its SSE3 "Prescott" kernels, 5x slower than the
// AVX-512 ones on the same machine. OpenBLAS reads OPENBLAS_CORETYPE only while the library
// loads, so the fix has to happen before that: if detection fell back and the CPU has AVX2 or
// AVX-512, set OPENBLAS_CORETYPE from the feature flags and re-execute the program once.
#pragma once
#include <string>

namespace r1::cpu {

// Call first thing in main(). Returns only if no re-execution was needed (or it failed).
void ensure_blas_kernels(char** argv);

// The kernel family OpenBLAS is using ("SkylakeX", "Haswell", ...).
std::string blas_core_name();

}  // namespace r1::cpu
