#include "kernels/cpu/blas_env.h"

#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <cstring>

#include "core/log.h"

extern "C" char* openblas_get_corename(void);

namespace r1::cpu {

std::string blas_core_name() {
  const char* n = openblas_get_corename();
  return n ? n : "unknown";
}

void ensure_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;  // the user chose, or we already re-executed
  std::string core = blas_core_name();
  // Generic fall-backs that a modern x86 CPU should never get.
  static const char* fallbacks[] = {"Prescott", "Katmai", "Coppermine", "Northwood", "Core2", "Penryn", "Dunnington",
                                    "Nehalem", "Atom", "unknown"};
  bool fell_back = false;
  for (const char* f : fallbacks) fell_back |= core == f;
  if (!fell_back) return;
  const char* choice = nullptr;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    choice = "SkylakeX";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    choice = "Haswell";
  }
#endif
  if (!choice) return;
  setenv("OPENBLAS_CORETYPE", choice, 1);
  execv("/proc/self/exe", argv);
  log_warn("OpenBLAS chose its generic '", core, "' kernels and re-executing with OPENBLAS_CORETYPE=", choice,
           " failed (", std::strerror(errno), "); set OPENBLAS_CORETYPE yourself for full speed");
}

}  // namespace r1::cpu
