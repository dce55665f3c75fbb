// Shared pieces of the benchmarks: timing (steady_seconds, from core/clock.h), the sgemm reference
// figure, peak memory.
#pragma once
#include "core/clock.h"

namespace r1::bench {

// OpenBLAS sgemm GFLOP/s on an n x n x n product (the machine's reference figure).
double sgemm_gflops(int n, double min_seconds = 1.0);

// Peak resident set size of this process, in MiB.
double peak_rss_mib();

}  // namespace r1::bench
