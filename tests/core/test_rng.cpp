#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/rng.h"

using r1::Rng;

TEST(Rng, SameSeedSameStream) {
  Rng a(42, 7), b(42, 7);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, StreamsDiffer) {
  Rng a(42, 0), b(42, 1), c(43, 0);
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = a.next_u64(), y = b.next_u64(), z = c.next_u64();
    same_ab += x == y;
    same_ac += x == z;
  }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
}

// Golden values pin the generator: a change here changes every seeded task and run.
TEST(Rng, GoldenValues) {
  Rng a(1234, 0);
  EXPECT_EQ(a.next_u64(), 8838556618004689722ull);
  EXPECT_EQ(a.next_u64(), 7219702400551073565ull);
  EXPECT_EQ(a.next_u64(), 17020502290861231866ull);
  Rng b(1234, 0);
  EXPECT_EQ(b.range(-100, 100), -4);
}

TEST(Rng, BelowIsInRangeAndRoughlyUniform) {
  Rng r(5);
  int counts[7] = {0};
  for (int i = 0; i < 70000; ++i) {
    uint64_t v = r.below(7);
    ASSERT_LT(v, 7u);
    counts[v]++;
  }
  // Each bucket expects 10000 with sd ~93; 6 sd is a generous bound.
  for (int c : counts) EXPECT_NEAR(c, 10000, 600);
}

TEST(Rng, RangeInclusiveAndExtremes) {
  Rng r(9);
  std::set<int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    int64_t v = r.range(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(r.range(5, 5), 5);
  // The full int64 range must not overflow.
  (void)r.range(INT64_MIN, INT64_MAX);
}

TEST(Rng, UniformAndNormalMoments) {
  Rng r(11);
  double s = 0, s2 = 0, n = 200000;
  for (int i = 0; i < n; ++i) {
    double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  for (int i = 0; i < n; ++i) {
    double z = r.normal();
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
}

TEST(Rng, ForkIsDeterministicAndIndependent) {
  Rng base(3);
  Rng f1 = base.fork(1), f1b = base.fork(1), f2 = base.fork(2);
  uint64_t x = f1.next_u64();
  EXPECT_EQ(x, f1b.next_u64());
  EXPECT_NE(x, f2.next_u64());
}

TEST(Rng, StateRoundTrip) {
  Rng a(77);
  for (int i = 0; i < 10; ++i) a.next_u64();
  Rng b;
  b.set_state(a.state());
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}
