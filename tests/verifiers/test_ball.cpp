// Ball arithmetic: every result encloses the true value (checked against exact rationals),
// huge and tiny values keep their size, and a comparison the doubles cannot decide says so.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "verifiers/arith/ball_eval.h"
#include "verifiers/arith/plain_parser.h"

namespace r1 {
namespace {

// The ball's interval as exact rationals: [mid - rad, mid + rad] * 2^exp (a double is a
// binary rational).
std::pair<BigRational, BigRational> interval(const Ball& b) {
  auto e = static_cast<unsigned>(b.exp < 0 ? -b.exp : b.exp);
  BigRational scale =
      b.exp >= 0 ? BigRational(BigInt(1) << e) : BigRational(BigInt(1), BigInt(1) << e);
  return {(BigRational(b.mid) - BigRational(b.rad)) * scale,
          (BigRational(b.mid) + BigRational(b.rad)) * scale};
}

bool encloses(const Ball& b, const BigRational& value) {
  if (!b.known()) return false;
  auto [lo, hi] = interval(b);
  return lo <= value && value <= hi;
}

BigRational random_rational(Rng& rng) {
  // Numerators and denominators up to 2^80 with either sign, some tiny or huge after scaling.
  BigInt num = (BigInt(rng.next_u64()) << 16) + rng.below(1 << 16);
  BigInt den = (BigInt(rng.next_u64() >> rng.below(60)) + 1);
  BigRational r(num, den);
  if (rng.bernoulli(0.5)) r = -r;
  int shift = static_cast<int>(rng.below(3000)) - 1500;
  BigInt p = BigInt(1) << static_cast<unsigned>(shift < 0 ? -shift : shift);
  return shift < 0 ? r / BigRational(p) : r * BigRational(p);
}

TEST(Ball, ArithmeticEnclosesTheExactResult) {
  Rng rng(7, 0);
  for (int i = 0; i < 800; ++i) {
    BigRational a = random_rational(rng), b = random_rational(rng);
    Ball x = Ball::of(a), y = Ball::of(b);
    ASSERT_TRUE(encloses(x, a)) << to_string(a);
    EXPECT_TRUE(encloses(x + y, a + b)) << to_string(a) << " + " << to_string(b);
    EXPECT_TRUE(encloses(x - y, a - b)) << to_string(a) << " - " << to_string(b);
    EXPECT_TRUE(encloses(x * y, a * b)) << to_string(a) << " * " << to_string(b);
    EXPECT_TRUE(encloses(x / y, a / b)) << to_string(a) << " / " << to_string(b);
    EXPECT_TRUE(encloses(ball_pow(x, Ball::of(3.0)), a * a * a)) << to_string(a);
    // Composed: the radii of the inputs carry through.
    EXPECT_TRUE(encloses((x + y) * (x - y), a * a - b * b)) << to_string(a) << ", " << to_string(b);
  }
}

TEST(Ball, RoundingOfExactInputsIsCounted) {
  // Exact inputs have no radius of their own: only the operation's rounding error widens it.
  Rng rng(8, 0);
  for (int i = 0; i < 2000; ++i) {
    double a = std::ldexp(rng.uniform() + 0.5, static_cast<int>(rng.below(200)) - 100);
    double b = std::ldexp(rng.uniform() - 1.5, static_cast<int>(rng.below(200)) - 100);
    Ball x = Ball::of(a), y = Ball::of(b);
    ASSERT_TRUE(x.is_exact() && y.is_exact());
    BigRational ea(a), eb(b);
    EXPECT_TRUE(encloses(x + y, ea + eb)) << a << " + " << b;
    EXPECT_TRUE(encloses(x * y, ea * eb)) << a << " * " << b;
    EXPECT_TRUE(encloses(x / y, ea / eb)) << a << " / " << b;
    auto [lo, hi] = interval(ball_sqrt(x));  // lo^2 <= a <= hi^2
    EXPECT_TRUE(lo * lo <= ea && ea <= hi * hi) << "sqrt " << a;
  }
}

TEST(Ball, ExactValuesStayExact) {
  EXPECT_TRUE(Ball::of(BigRational(3)).is_exact());
  EXPECT_FALSE(Ball::of(BigRational(1, 3)).is_exact());
  EXPECT_TRUE((Ball::of(0.5) + Ball::of(0.25)).is_exact());
  Ball big = ball_pow(Ball::of(2.0), Ball::of(100000.0));  // 2^100000, far beyond double
  EXPECT_TRUE(big.is_exact());
  Ball same = ball_pow(Ball::of(4.0), Ball::of(50000.0));
  EXPECT_EQ(compare_balls(big, same, 0), BallOrder::Equal);
  EXPECT_FALSE((big + Ball::of(1.0)).is_exact());  // 2^100000 + 1 is not held exactly
}

TEST(Ball, HugeAndTinyValuesKeepTheirSize) {
  Ball ten400 = Ball::of(BigRational(boost::multiprecision::pow(BigInt(10), 400)));
  Ball root2 = ball_sqrt(Ball::of(2.0));
  Ball a = root2 * ten400, b = Ball::of(7.0) * ten400;
  EXPECT_NEAR(a.log2_mid(), 400 * std::log2(10.0) + 0.5, 1e-9);
  EXPECT_EQ(compare_balls(a, b, 1e-8), BallOrder::Different);
  EXPECT_EQ(compare_balls(a, ten400 * root2, 1e-8), BallOrder::Equal);
  Ball tiny = root2 / ten400;
  EXPECT_NEAR(tiny.log2_mid(), -400 * std::log2(10.0) + 0.5, 1e-9);
  EXPECT_EQ(compare_balls(tiny, Ball::of(2.0) / ten400, 1e-8), BallOrder::Different);
  EXPECT_EQ(compare_balls(tiny, Ball{}, 1e-8), BallOrder::Different);
  // e^1000 and ln of 10^400.
  EXPECT_NEAR(ball_exp(Ball::of(1000.0)).log2_mid(), 1000 / std::log(2.0), 1e-9);
  Ball ln = ball_ln(ten400);
  EXPECT_EQ(compare_balls(ln, Ball::of(400.0) * ball_ln(Ball::of(10.0)), 1e-12), BallOrder::Equal);
  EXPECT_NEAR(ln.to_double(), 921.0340371976183, 1e-10);
}

TEST(Ball, UndecidableComparisonsSaySo) {
  // A radius above the tolerance decides nothing, in either direction.
  EXPECT_EQ(compare_balls(Ball::of(1.0, 1e-3), Ball::of(1.0), 1e-8), BallOrder::Undecided);
  EXPECT_EQ(compare_balls(Ball::of(1.0, 1e-3), Ball::of(2.0), 1e-8), BallOrder::Undecided);
  EXPECT_EQ(compare_balls(Ball::unknown(), Ball::of(1.0), 1e-8), BallOrder::Undecided);
  // sin of an argument whose radius exceeds its period.
  Ball wide = Ball::of(1e20) * ball_sqrt(Ball::of(2.0));
  EXPECT_EQ(compare_balls(ball_function("sin", wide), Ball{}, 1e-8), BallOrder::Undecided);
  // An exactly representable argument is fine: sin(10^20) is known to double precision.
  EXPECT_EQ(
      compare_balls(ball_function("sin", Ball::of(1e20)), Ball::of(-0.6452512852657808), 1e-12),
      BallOrder::Equal);
  // Domains: 1/0, ln 0 and sqrt(-1) are undefined; 1/(a ball around 0) is unknown.
  EXPECT_TRUE((Ball::of(1.0) / Ball{}).undefined);
  EXPECT_TRUE(ball_ln(Ball{}).undefined);
  EXPECT_TRUE(ball_sqrt(Ball::of(-1.0)).undefined);
  EXPECT_FALSE((Ball::of(1.0) / Ball::of(0.0, 1e-20)).known());
}

TEST(Ball, EvaluatesTreesFromExactNodes) {
  // 10^400 - 10^400 + 2^0.5: the rational part cancels exactly before the irrational step.
  ParsedExpr p = parse_plain("10^400 - 10^400 + 2^0.5");
  ASSERT_TRUE(p.ok());
  ExactNodes exact = eval_exact_nodes(p.tree, p.root);
  EXPECT_EQ(exact.status[p.root], ExactStatus::NotRational);
  Ball v = eval_ball(p.tree, p.root, exact);
  EXPECT_EQ(compare_balls(v, ball_sqrt(Ball::of(2.0)), 1e-12), BallOrder::Equal);
  // Functions and factorials beyond double range.
  EXPECT_NEAR(ball_factorial(Ball::of(1000.0)).log2_mid(), std::lgamma(1001.0) / std::log(2.0),
              1e-6);
  EXPECT_EQ(compare_balls(ball_factorial(Ball::of(5.0)), Ball::of(120.0), 1e-12), BallOrder::Equal);
  Ball n = Ball::of(2.5);  // C(n, 2) = n (n - 1) / 2 for any n
  EXPECT_EQ(compare_balls(ball_binom(n, Ball::of(2.0)), Ball::of(1.875), 1e-12), BallOrder::Equal);
  EXPECT_EQ(compare_balls(ball_function("log2", Ball::of(8.0)), Ball::of(3.0), 1e-12),
            BallOrder::Equal);
}

}  // namespace
}  // namespace r1
