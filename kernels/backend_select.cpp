#include "kernels/backend_select.h"

#include <cstdlib>
#include <mutex>
#include <set>

#include "core/error.h"
#include "core/log.h"
#ifdef R1_HAVE_CUDA_BACKEND
#include "kernels/cuda/backend_cuda.h"
#endif

namespace r1 {

bool cuda_backend_built() {
#ifdef R1_HAVE_CUDA_BACKEND
  return true;
#else
  return false;
#endif
}

// bf16 on CUDA (tensor cores; passed scripts/gpu_check.sh on an H200, docs/results/gpu), fp32 on
// the CPU, which computes in fp32 only.
namespace {

// True the first time a key is seen in this process (a run resolves its backend several times).
bool first_time(const std::string& key) {
  static std::mutex m;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(m);
  return seen.insert(key).second;
}

}  // namespace

std::string default_dtype(const std::string& device) {
  return device.rfind("cuda", 0) == 0 ? "bf16" : "fp32";
}

const Backend<float>& backend_for(const std::string& device, const std::string& dtype_in, const std::string& where,
                                  const std::string& where_dtype_in) {
  const std::string& where_dtype = where_dtype_in.empty() ? where : where_dtype_in;
  const std::string dtype = dtype_in.empty() ? default_dtype(device) : dtype_in;
  if (dtype != "fp32" && dtype != "bf16") fail(where_dtype, ": unknown dtype '", dtype, "' (use fp32 or bf16)");
  if (device == "cpu") {
    if (dtype != "fp32") {
      fail(where_dtype, ": dtype '", dtype, "' needs a CUDA device (the CPU backend computes in fp32 only)");
    }
    return cpu_backend<float>();
  }
  int index = -1;
  if (device == "cuda") {
    index = 0;
  } else if (device.rfind("cuda:", 0) == 0 && device.size() > 5 && device.size() <= 8 &&
             device.find_first_not_of("0123456789", 5) == std::string::npos) {
    index = std::atoi(device.c_str() + 5);
  } else {
    fail(where, ": unknown device '", device, "' (use cpu, cuda or cuda:N)");
  }
#ifdef R1_HAVE_CUDA_BACKEND
  try {
    const Backend<float>& b =
        cuda::cuda_backend(index, dtype == "bf16" ? cuda::Precision::bf16 : cuda::Precision::fp32);
    if (dtype_in.empty() && first_time(where_dtype + "|" + device))
      log_info(where_dtype, " not given: ", device, " computes in ", dtype,
               " (the device's default; set it to fp32 for fp32)");
    return b;
  } catch (const Error& e) {
    fail(where, ": ", e.what());
  }
#else
  (void)index;
  fail(where, ": device '", device, "': this build of r1 has no CUDA backend (nvcc was not found when it was "
       "configured; install the CUDA toolkit and rebuild)");
#endif
}

}  // namespace r1
