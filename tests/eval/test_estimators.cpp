// pass@k and the intervals against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/estimators.h"

using namespace r1;

TEST(PassAtK, HandComputed) {
  // n = 4, c = 1: pass@1 = 1/4; pass@2 = 1 - C(3,2)/C(4,2) = 1 - 3/6 = 1/2.
  EXPECT_NEAR(pass_at_k(4, 1, 1), 0.25, 1e-15);
  EXPECT_NEAR(pass_at_k(4, 1, 2), 0.5, 1e-15);
  // n = 8, c = 2, k = 4: 1 - C(6,4)/C(8,4) = 1 - 15/70.
  EXPECT_NEAR(pass_at_k(8, 2, 4), 1.0 - 15.0 / 70.0, 1e-15);
  // pass@1 is the fraction correct.
  EXPECT_NEAR(pass_at_k(10, 7, 1), 0.7, 1e-15);
}

TEST(PassAtK, EdgeCases) {
  EXPECT_EQ(pass_at_k(5, 0, 1), 0.0);  // c = 0
  EXPECT_EQ(pass_at_k(5, 0, 5), 0.0);
  EXPECT_EQ(pass_at_k(5, 1, 5), 1.0);  // n = k: any correct sample is drawn
  EXPECT_EQ(pass_at_k(5, 5, 1), 1.0);
  EXPECT_EQ(pass_at_k(1, 1, 1), 1.0);
  EXPECT_EQ(pass_at_k(1, 0, 1), 0.0);
  EXPECT_EQ(pass_at_k(6, 4, 3), 1.0);  // n - c < k
  // Large n stays finite and exact enough.
  EXPECT_NEAR(pass_at_k(1000, 1, 1), 0.001, 1e-15);
  EXPECT_THROW(pass_at_k(4, 5, 1), Error);
  EXPECT_THROW(pass_at_k(4, 1, 5), Error);
  EXPECT_THROW(pass_at_k(4, 1, 0), Error);
}

TEST(Intervals, MeanAndDifference) {
  MeanCI m = mean_ci95({0.0, 1.0, 1.0, 0.0});
  EXPECT_NEAR(m.mean, 0.5, 1e-15);
  // sample std = sqrt(1/3); se = sqrt(1/3)/2
  EXPECT_NEAR(m.se, std::sqrt(1.0 / 3.0) / 2.0, 1e-15);
  EXPECT_NEAR(m.hi - m.mean, 1.96 * m.se, 1e-15);
  EXPECT_EQ(mean_ci95({}).n, 0);
  MeanCI d = difference_ci95({1, 1, 0, 1}, {0, 1, 0, 0}, true);  // per-task differences {1,0,0,1}
  EXPECT_NEAR(d.mean, 0.5, 1e-15);
  EXPECT_NEAR(d.se, std::sqrt(1.0 / 3.0) / 2.0, 1e-15);
  MeanCI u = difference_ci95({1, 1, 0, 1}, {0, 1, 0, 0}, false);
  EXPECT_NEAR(u.mean, 0.5, 1e-15);
  EXPECT_NEAR(u.se, std::sqrt(0.0625 + 0.0625), 1e-15);  // two se of 0.25 each
}

// A suite every task of which scored 0 (or 1) is not known exactly: the interval's far end is
// Wilson's bound for that many tasks (3.7 points over 100), not the normal interval's zero width.
// Rates in between keep the normal interval, clipped to [0, 1].
TEST(Intervals, RatesAtZeroOrOneKeepAnIntervalOfWilsonsWidth) {
  const double z2 = 1.96 * 1.96;
  MeanCI zero = rate_ci95(std::vector<double>(100, 0.0));
  EXPECT_EQ(zero.mean, 0.0);
  EXPECT_EQ(zero.lo, 0.0);
  EXPECT_NEAR(zero.hi, z2 / (100 + z2), 1e-15);
  EXPECT_NEAR(zero.hi, 0.0370, 1e-4);
  MeanCI one = rate_ci95(std::vector<double>(50, 1.0));
  EXPECT_EQ(one.hi, 1.0);
  EXPECT_NEAR(one.lo, 1.0 - z2 / (50 + z2), 1e-15);
  // One task at 0.5 of many: the normal interval, clipped below at 0.
  std::vector<double> few(40, 0.0);
  few[0] = 0.5;
  MeanCI f = rate_ci95(few);
  MeanCI m = mean_ci95(few);
  EXPECT_EQ(f.lo, 0.0);
  EXPECT_LT(m.lo, 0.0);
  EXPECT_EQ(f.hi, m.hi);
  EXPECT_EQ(rate_ci95({}).n, 0);
}
