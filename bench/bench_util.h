// Shared pieces of the benchmarks: timing, the sgemm reference figure, peak memory.
#pragma once
#include <chrono>

namespace r1::bench {

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// OpenBLAS sgemm GFLOP/s on an n x n x n product (the machine's reference figure).
double sgemm_gflops(int n, double min_seconds = 1.0);

// Peak resident set size of this process, in MiB.
double peak_rss_mib();

}  // namespace r1::bench
