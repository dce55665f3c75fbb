#include "kernels/cuda/op_profile.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace r1::cuda {
namespace {

std::mutex mu;
std::map<std::string, OpTime>& rows() {
  static std::map<std::string, OpTime> r;
  return r;
}
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool profiling() {
  static const bool on = [] {
    const char* v = std::getenv("R1_CUDA_PROFILE");
    return v && *v && std::string(v) != "0";
  }();
  return on;
}

void profile_reset() {
  std::lock_guard<std::mutex> lock(mu);
  rows().clear();
}

std::vector<OpTime> profile_rows() {
  std::lock_guard<std::mutex> lock(mu);
  std::vector<OpTime> out;
  for (const auto& [name, row] : rows()) out.push_back(row);
  std::sort(out.begin(), out.end(),
            [](const OpTime& a, const OpTime& b) { return a.seconds > b.seconds; });
  return out;
}

OpTimer::OpTimer(const char* op) : op_(op) {
  cudaDeviceSynchronize();
  t0_ = now();
}

OpTimer::~OpTimer() {
  // A fault inside the op's kernels surfaces here, so name the op; the error stays pending for
  // the next checked CUDA call to throw.
  const cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess)
    std::fprintf(stderr, "R1_CUDA_PROFILE: %s: %s\n", op_, cudaGetErrorString(e));
  const double dt = now() - t0_;
  std::lock_guard<std::mutex> lock(mu);
  OpTime& r = rows()[op_];
  r.op = op_;
  ++r.calls;
  r.seconds += dt;
}

}  // namespace r1::cuda
