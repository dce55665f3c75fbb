// Sums over rows or over a whole gradient must not depend on how many OpenMP threads ran them,
// nor on the order the threads finished in: a run is deterministic for a seed, and a backward
// that added per-thread partial sums as threads arrived broke that with more than one thread
// (RMSNorm's dw; the global gradient norm of clipping). ctest runs tests on one thread, so this
// test asks for more itself.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>
#include <vector>

#include "kernels/ops.h"
#include "tests/kernels/fd.h"

using namespace r1;

namespace {

template <typename F>
auto at_threads(int threads, F&& f) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto out = f();
  omp_set_num_threads(before);
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<float> randn_float(size_t n, int seed) {
  const std::vector<double> d = test::randn(n, seed);
  return std::vector<float>(d.begin(), d.end());
}

}  // namespace

TEST(ThreadCount, RmsnormWeightGradientIsTheSameAtAnyThreadCount) {
  const int N = 2000, C = 37;
  const std::vector<float> x = randn_float(size_t(N) * C, 1), w = randn_float(C, 2),
                           dout = randn_float(size_t(N) * C, 3), dw0 = randn_float(C, 4);
  std::vector<float> out(size_t(N) * C), rstd(N);
  cpu::rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), N, C, 1e-6f);
  auto backward = [&] {
    std::vector<float> dx(size_t(N) * C), dw = dw0;  // dw accumulates onto a gradient
    cpu::rmsnorm_backward(dx.data(), dw.data(), dout.data(), x.data(), w.data(), rstd.data(), N, C,
                          false);
    dx.insert(dx.end(), dw.begin(), dw.end());
    return dx;
  };
  const std::vector<float> one = at_threads(1, backward);
  for (int threads : {2, 3, 5})
    for (int repeat = 0; repeat < 3; ++repeat)
      EXPECT_TRUE(same_bits(one, at_threads(threads, backward))) << threads << " threads";
}

TEST(ThreadCount, GlobalGradientNormIsTheSameAtAnyThreadCount) {
  const std::vector<float> g = randn_float(700001, 5);  // eleven blocks and a bit
  const double one = at_threads(1, [&] { return cpu::global_norm(g.data(), g.size()); });
  for (int threads : {2, 3, 5})
    for (int repeat = 0; repeat < 3; ++repeat)
      EXPECT_EQ(one, at_threads(threads, [&] { return cpu::global_norm(g.data(), g.size()); }))
          << threads << " threads";
  // The same sum as a plain loop's, within rounding.
  double s = 0;
  for (float v : g) s += double(v) * v;
  EXPECT_NEAR(one, std::sqrt(s), 1e-9 * std::sqrt(s));
}
