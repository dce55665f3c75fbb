#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/vecmath.h"

using r1::cpu::fast_expf;

TEST(FastExp, RelativeErrorBelow3e7) {
  double worst = 0;
  for (double x = -87.0; x <= 88.0; x += 0.000731) {
    float xf = static_cast<float>(x);
    double ref = std::exp(static_cast<double>(xf));
    double got = fast_expf(xf);
    worst = std::max(worst, std::fabs(got - ref) / ref);
  }
  EXPECT_LT(worst, 3e-7);
}

TEST(FastExp, EdgesAndSpecials) {
  EXPECT_EQ(fast_expf(0.0f), 1.0f);
  EXPECT_GT(fast_expf(-1000.0f), 0.0f);
  EXPECT_LT(fast_expf(-1000.0f), 1e-37f);
  EXPECT_TRUE(std::isfinite(fast_expf(1000.0f)));
  EXPECT_TRUE(std::isnan(fast_expf(NAN)));
  EXPECT_EQ(fast_expf(-INFINITY), fast_expf(-1000.0f));
}
