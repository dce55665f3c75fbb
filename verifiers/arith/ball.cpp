#include "verifiers/arith/ball.h"

#include <algorithm>
#include <cmath>

namespace r1 {

namespace {

// Exponents stay far from int64 limits, so sums of two never overflow; beyond them a value
// is unknown (2^(2^60) is not a sensible answer).
constexpr int64_t kMaxExp = int64_t(1) << 60;
constexpr double kLn2 = 0.6931471805599453;  // within 2^-54 relative of ln 2
// Below this (relative to the scale of a normalised ball) double arithmetic may round
// subnormals; such contributions are counted as this much radius.
constexpr double kTiny = 0x1p-1000;

// Rounds a radius up: the radius arithmetic itself rounds to nearest. Zero stays zero, so
// exact values stay exact.
double up(double r) {
  return r == 0 ? 0 : r * (1 + 0x1p-50) + 0x1p-1074;
}

// Scales mid and rad so that max(|mid|, rad) lies in [0.5, 1); the exponent takes the rest.
Ball normalized(double mid, double rad, int64_t exp) {
  if (!std::isfinite(mid) || !(rad < INFINITY)) return Ball::unknown();
  double s = std::max(std::fabs(mid), rad);
  if (s == 0) return Ball{};
  int e = 0;
  std::frexp(s, &e);
  double m = std::ldexp(mid, -e), r = std::ldexp(rad, -e);
  constexpr double kMinNormal = 0x1p-1022;
  if (rad > 0 && r < kMinNormal) r = kMinNormal;
  if (mid != 0 && std::fabs(m) < kMinNormal) r = std::max(r, kMinNormal);
  int64_t x = exp + e;
  if (x > kMaxExp || x < -kMaxExp) return Ball::unknown();
  Ball b;
  b.mid = m;
  b.rad = r;
  b.exp = x;
  return b;
}

// log2(2^x + 2^y).
double log2_sum(double x, double y) {
  double hi = std::max(x, y), lo = std::min(x, y);
  if (hi == -INFINITY) return hi;
  return hi + std::log2(1 + std::exp2(lo - hi));
}

}  // namespace

Ball Ball::of(double mid, double rad) {
  return normalized(mid, rad, 0);
}

Ball Ball::of(const BigRational& r) {
  if (r == 0) return Ball{};
  BigInt num = boost::multiprecision::numerator(r);
  BigInt den = boost::multiprecision::denominator(r);
  bool neg = num < 0;
  if (neg) num = -num;
  // Shift so that the quotient has 62 or 63 bits, then round it to a double.
  int64_t shift = 62 - (static_cast<int64_t>(boost::multiprecision::msb(num)) -
                        static_cast<int64_t>(boost::multiprecision::msb(den)));
  if (shift >= 0)
    num <<= static_cast<unsigned>(shift);
  else
    den <<= static_cast<unsigned>(-shift);
  BigInt q, rem;
  boost::multiprecision::divide_qr(num, den, q, rem);
  uint64_t qi = q.convert_to<uint64_t>();
  double dq = static_cast<double>(qi);
  bool exact = rem == 0 && dq < 0x1p64 && static_cast<uint64_t>(dq) == qi;
  // One ulp of dq covers the rounding (half an ulp) and the remainder (below 1 <= half an ulp).
  double rad = exact ? 0 : std::ldexp(1.0, std::ilogb(dq) - 52);
  return normalized(neg ? -dq : dq, rad, -shift);
}

Ball Ball::unknown() {
  Ball b;
  b.rad = INFINITY;
  return b;
}

Ball Ball::nan() {
  Ball b;
  b.undefined = true;
  return b;
}

double Ball::log2_mid() const {
  return mid == 0 ? -INFINITY : static_cast<double>(exp) + std::log2(std::fabs(mid));
}

double Ball::log2_rad() const {
  return rad == 0 ? -INFINITY : static_cast<double>(exp) + std::log2(rad);
}

double Ball::to_double() const {
  if (undefined) return NAN;
  int64_t e = std::clamp<int64_t>(exp, -2200, 2200);
  return std::ldexp(mid, static_cast<int>(e));
}

Ball operator-(const Ball& a) {
  Ball b = a;
  b.mid = -b.mid;
  return b;
}

Ball operator+(const Ball& x, const Ball& y) {
  if (x.undefined || y.undefined) return Ball::nan();
  if (!x.known() || !y.known()) return Ball::unknown();
  if (x.is_zero()) return y;
  if (y.is_zero()) return x;
  const Ball& a = x.exp >= y.exp ? x : y;
  const Ball& b = x.exp >= y.exp ? y : x;
  int64_t d = b.exp - a.exp;
  double bm = 0, br = 0, lost = 0;
  if (d < -1100) {
    lost = kTiny;  // |b| < 2^-1100 at a's scale
  } else {
    bm = std::ldexp(b.mid, static_cast<int>(d));
    br = std::ldexp(b.rad, static_cast<int>(d));
    if ((b.mid != 0 && std::fabs(bm) < kTiny) || (b.rad != 0 && br < kTiny)) lost = kTiny;
  }
  // Two-sum: s + err == a.mid + bm exactly.
  double s = a.mid + bm;
  double bv = s - a.mid;
  double err = (a.mid - (s - bv)) + (bm - bv);
  return normalized(s, up(a.rad + br + std::fabs(err) + lost), a.exp);
}

Ball operator-(const Ball& a, const Ball& b) {
  return a + (-b);
}

Ball operator*(const Ball& a, const Ball& b) {
  if (a.undefined || b.undefined) return Ball::nan();
  if (!a.known() || !b.known()) return Ball::unknown();
  double p = a.mid * b.mid;
  double err = std::fma(a.mid, b.mid, -p);  // exact unless p is subnormal
  double rad = std::fabs(a.mid) * b.rad + std::fabs(b.mid) * a.rad + a.rad * b.rad + std::fabs(err);
  if (p != 0 && std::fabs(p) < kTiny) rad += kTiny;
  return normalized(p, up(rad), a.exp + b.exp);
}

Ball operator/(const Ball& a, const Ball& b) {
  if (a.undefined || b.undefined || b.is_zero()) return Ball::nan();
  if (!a.known() || !b.known() || b.contains_zero()) return Ball::unknown();
  double q = a.mid / b.mid;
  double rem = std::fma(-q, b.mid, a.mid);  // a.mid - q * b.mid, exactly
  double bm = std::fabs(b.mid);
  // |a'/b' - a/b| <= (|a| rb + |b| ra) / (|b| (|b| - rb)) for a' within ra of a, b' of b.
  double rad = (std::fabs(a.mid) * b.rad + bm * a.rad) / (bm * (bm - b.rad)) + std::fabs(rem) / bm;
  if (q != 0 && std::fabs(q) < kTiny) rad += kTiny;
  return normalized(q, up(up(rad)), a.exp - b.exp);
}

Ball ball_abs(const Ball& a) {
  if (!a.known() || !a.contains_zero()) {
    Ball b = a;
    b.mid = std::fabs(b.mid);
    return b;
  }
  double hi = up(std::fabs(a.mid) + a.rad);  // |a| lies in [0, hi]
  return normalized(hi / 2, hi / 2, a.exp);
}

Ball ball_sqrt(const Ball& a) {
  if (a.undefined || a.negative()) return Ball::nan();
  if (a.is_zero()) return a;
  if (!a.positive()) return Ball::unknown();
  double m = a.mid, r = a.rad;
  int64_t e = a.exp;
  if (e % 2 != 0) {
    m *= 2;
    r *= 2;
    e -= 1;
  }
  double s = std::sqrt(m);
  double rem = std::fma(-s, s, m);  // m - s^2, exactly
  double rad = r / (s + std::sqrt(m - r)) + std::fabs(rem) / s;
  return normalized(s, up(up(rad)), e / 2);
}

Ball ball_exp(const Ball& a) {
  if (a.undefined) return Ball::nan();
  if (!a.known() || std::max(a.log2_mid(), a.log2_rad()) > 60) return Ball::unknown();
  if (a.is_zero()) return Ball::of(1.0);
  if (std::max(a.log2_mid(), a.log2_rad()) < -1000) return Ball::of(1.0, 0x1p-990);
  double x = a.to_double();
  double r = a.rad == 0 ? 0 : std::max(std::ldexp(a.rad, static_cast<int>(a.exp)), 0x1p-1074);
  // e^x = e^f * 2^E with f = x - E ln 2 in about [0, ln 2).
  double big_e = std::floor(x / kLn2);
  double f = std::fma(-big_e, kLn2, x);
  double f_err = std::fabs(big_e) * 0x1p-53 + std::fabs(f) * 0x1p-53 + 0x1p-60;
  double m = std::exp(f);
  double rel = std::expm1(r + f_err) + 0x1p-51;
  return normalized(m, up(m * rel), static_cast<int64_t>(big_e));
}

Ball ball_ln(const Ball& a) {
  if (a.undefined || a.is_zero() || a.negative()) return Ball::nan();
  if (!a.positive()) return Ball::unknown();
  if (a.is_exact() && a.mid == 0.5 && a.exp == 1) return Ball{};  // ln 1 = 0 exactly
  // ln(m 2^e) = ln m + e ln 2, with m = mid > rad.
  double lm = std::log(a.mid);
  double le = static_cast<double>(a.exp) * kLn2;
  double v = lm + le;
  double err = std::fabs(lm) * 0x1p-52 + std::fabs(le) * 0x1p-51 + std::fabs(v) * 0x1p-52;
  // |ln(m +- r) - ln m| <= -ln(1 - r/m).
  double spread = -std::log1p(-a.rad / a.mid);
  return Ball::of(v, up(spread + err));
}

Ball ball_pow(const Ball& a, const Ball& b) {
  if (a.undefined || b.undefined) return Ball::nan();
  if (auto n = small_integer(b)) {
    if (*n == 0) return Ball::of(1.0);
    if (!a.known()) return Ball::unknown();
    if (a.is_zero()) return *n > 0 ? a : Ball::nan();
    uint64_t k = *n < 0 ? static_cast<uint64_t>(-*n) : static_cast<uint64_t>(*n);
    Ball result = Ball::of(1.0), base = a;
    for (;;) {
      if (k & 1) result = result * base;
      k >>= 1;
      if (k == 0 || !result.known()) break;
      base = base * base;
    }
    return *n < 0 ? Ball::of(1.0) / result : result;
  }
  if (!a.known() || !b.known()) return Ball::unknown();
  if (a.is_zero()) return b.positive() ? a : (b.negative() ? Ball::nan() : Ball::unknown());
  if (a.positive()) return ball_exp(b * ball_ln(a));
  // A negative base to a fractional power is not real.
  if (a.negative() && b.is_exact() && b.log2_mid() < 62) return Ball::nan();
  return Ball::unknown();
}

std::optional<int64_t> small_integer(const Ball& b) {
  if (!b.is_exact()) return std::nullopt;
  if (b.mid == 0) return 0;
  if (b.exp > 62) return std::nullopt;
  double v = std::ldexp(b.mid, static_cast<int>(std::max<int64_t>(b.exp, -1100)));
  if (v != std::trunc(v)) return std::nullopt;
  return static_cast<int64_t>(v);
}

BallOrder compare_balls(const Ball& a, const Ball& b, double tol) {
  if (!a.known() || !b.known()) return BallOrder::Undecided;
  if (a.is_exact() && b.is_exact() && a.mid == b.mid && a.exp == b.exp) return BallOrder::Equal;
  Ball d = a - b;
  if (!d.known()) return BallOrder::Undecided;
  double bound = std::log2(tol) + std::max(a.log2_mid(), b.log2_mid());
  // The radii (which d's radius holds) must be below the tolerance, or the doubles decide
  // nothing: two values that overflowed, underflowed or lost all their digits.
  if (d.log2_rad() > bound) return BallOrder::Undecided;
  return d.log2_mid() <= bound ? BallOrder::Equal : BallOrder::Different;
}

bool within(const Ball& a, const Ball& b, double bound) {
  Ball d = a - b;
  if (!d.known()) return false;
  return log2_sum(d.log2_mid(), d.log2_rad()) <= std::log2(bound);
}

}  // namespace r1
