#include "bench/bench_util.h"

#include <sys/resource.h>

#include <vector>

#include "core/rng.h"
#include "kernels/cpu/gemm.h"

namespace r1::bench {

double sgemm_gflops(int n, double min_seconds) {
  std::vector<float> a(static_cast<size_t>(n) * n), b(a.size()), c(a.size());
  Rng rng(1);
  for (auto& x : a) x = rng.uniformf() - 0.5f;
  for (auto& x : b) x = rng.uniformf() - 0.5f;
  cpu::gemm<float>(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(),
                   n);  // warm up
  int reps = 0;
  double t0 = steady_seconds(), t = 0;
  do {
    cpu::gemm<float>(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    ++reps;
    t = steady_seconds() - t0;
  } while (t < min_seconds);
  return 2.0 * n * n * static_cast<double>(n) * reps / t / 1e9;
}

double peak_rss_mib() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // Linux reports KiB
}

}  // namespace r1::bench
