// Linears on packed weights (kernels/cpu/linear_packed.h) against linear_forward: row counts
// around the 6-row micro-tile (1..13, 40), output widths around the 16-wide panel, inner sizes
// with and without tails of 8, with a bias, and accumulating. float within 1e-5 relative to the
// row's size, double exactly up to rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/cpu/linear.h"
#include "kernels/cpu/linear_packed.h"
#include "tests/kernels/fd.h"

using namespace r1;
using namespace r1::cpu;

namespace {

template <typename T>
void check(int N, int C, int OC, bool bias, bool accumulate, double tol) {
  SCOPED_TRACE(testing::Message() << "N=" << N << " C=" << C << " OC=" << OC << " bias=" << bias
                                  << " accumulate=" << accumulate);
  auto x64 = test::randn(static_cast<size_t>(N) * C, 1), w64 = test::randn(static_cast<size_t>(OC) * C, 2),
       b64 = test::randn(OC, 3), o64 = test::randn(static_cast<size_t>(N) * OC, 4);
  std::vector<T> x(x64.begin(), x64.end()), w(w64.begin(), w64.end()), b(b64.begin(), b64.end());
  std::vector<T> want(static_cast<size_t>(N) * OC), got(o64.begin(), o64.end());
  linear_forward<T>(want.data(), x.data(), w.data(), bias ? b.data() : nullptr, N, C, OC);
  if (accumulate)
    for (size_t i = 0; i < want.size(); ++i) want[i] += static_cast<T>(o64[i]);
  std::vector<T> wp(packed_linear_size(C, OC), T(-7));
  ASSERT_GE(wp.size(), static_cast<size_t>(C) * OC);
  pack_linear<T>(wp.data(), w.data(), C, OC, false);
  linear_forward_packed<T>(got.data(), OC, x.data(), C, wp.data(), bias ? b.data() : nullptr, N, C, OC,
                           accumulate);
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * std::sqrt(double(C))) << "entry " << i;
  // The same product from a transposed copy of W, with rows read and written at wider strides
  // (one head of a multi-head array): the untouched columns keep their values.
  std::vector<T> wt(static_cast<size_t>(C) * OC);
  for (int n = 0; n < OC; ++n)
    for (int k = 0; k < C; ++k) wt[static_cast<size_t>(k) * OC + n] = w[static_cast<size_t>(n) * C + k];
  pack_linear<T>(wp.data(), wt.data(), C, OC, true);
  const int ldi = C + 3, ldo = OC + 5;
  std::vector<T> xs(static_cast<size_t>(N) * ldi, T(99)), os(static_cast<size_t>(N) * ldo, T(-3));
  for (int r = 0; r < N; ++r) {
    std::copy(x.begin() + static_cast<size_t>(r) * C, x.begin() + static_cast<size_t>(r + 1) * C,
              xs.begin() + static_cast<size_t>(r) * ldi);
    if (accumulate)
      for (int j = 0; j < OC; ++j) os[static_cast<size_t>(r) * ldo + j] = static_cast<T>(o64[static_cast<size_t>(r) * OC + j]);
  }
  linear_forward_packed<T>(os.data(), ldo, xs.data(), ldi, wp.data(), bias ? b.data() : nullptr, N, C, OC,
                           accumulate);
  for (int r = 0; r < N; ++r) {
    for (int j = 0; j < ldo; ++j) {
      const T v = os[static_cast<size_t>(r) * ldo + j];
      if (j < OC) ASSERT_NEAR(v, want[static_cast<size_t>(r) * OC + j], tol * std::sqrt(double(C)));
      else ASSERT_EQ(v, T(-3));
    }
  }
}

}  // namespace

TEST(LinearPacked, MatchesLinearForward) {
  for (int N : {1, 2, 5, 6, 7, 12, 13, 40}) {
    for (auto [C, OC] : {std::pair{128, 384}, std::pair{13, 17}, std::pair{8, 16}, std::pair{37, 264}}) {
      check<float>(N, C, OC, false, false, 1e-5);
      check<double>(N, C, OC, false, false, 1e-12);
    }
  }
  check<float>(9, 24, 40, true, false, 1e-5);
  check<float>(9, 24, 40, false, true, 1e-5);
  check<double>(7, 24, 33, true, false, 1e-12);
  check<double>(7, 24, 33, false, true, 1e-12);
  std::vector<float> none;
  linear_forward_packed<float>(none.data(), 8, none.data(), 8, none.data(), nullptr, 0, 8, 8, false);  // N = 0
}

// Large enough to share the panels out over threads when run alone.
TEST(LinearPacked, LargeProblemsMatchToo) { check<float>(300, 256, 700, true, false, 1e-5); }

TEST(LinearPacked, AccumulateWithABiasIsAnError) {
  std::vector<float> x(4), wp(packed_linear_size(2, 2)), b(2), o(4);
  EXPECT_THROW(linear_forward_packed<float>(o.data(), 2, x.data(), 2, wp.data(), b.data(), 2, 2, 2, true),
               std::exception);
}
