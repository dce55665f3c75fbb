// Midpoint-radius ("ball") arithmetic on doubles with a separate 64-bit binary exponent, for
// comparing values that exact rational arithmetic cannot hold. A Ball is the set
// [mid - rad, mid + rad] * 2^exp that surely holds the true value:
//   - the exponent never overflows or underflows, so 7 * 10^400 is not +inf and
//     10^-400 is not 0, and two different huge or tiny values never look alike;
//   - every operation widens the radius by its own rounding error (exactly, through fma and
//     two-sum, for + - * / and sqrt; by a few units in the last place for library
//     functions), so a comparison knows when the doubles cannot decide it.
// A ball whose radius is +infinity is "unknown": nothing can be said (sin of 10^20 with an
// uncertain argument, a quotient by something that may be zero). A ball can also be
// "undefined": outside the domain (1/0, sqrt(-1), ln(0)), like NaN.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>

#include "verifiers/arith/rational.h"

namespace r1 {

struct Ball {
  double mid = 0;
  double rad = 0;
  int64_t exp = 0;
  bool undefined = false;

  static Ball of(double mid, double rad = 0);
  static Ball of(const BigRational& r);  // within one unit in the 62nd bit; exact if it fits
  static Ball unknown();
  static Ball nan();

  bool known() const { return !undefined && rad < INFINITY; }
  bool is_exact() const { return known() && rad == 0; }
  bool is_zero() const { return is_exact() && mid == 0; }
  bool contains_zero() const { return known() && (mid < 0 ? -mid : mid) <= rad; }
  bool positive() const { return known() && mid > rad; }
  bool negative() const { return known() && -mid > rad; }
  // log2 of |mid| * 2^exp, and of rad * 2^exp (-inf for zero).
  double log2_mid() const;
  double log2_rad() const;
  // The value as a double: +-inf or 0 outside the double range.
  double to_double() const;
};

Ball operator-(const Ball& a);
Ball operator+(const Ball& a, const Ball& b);
Ball operator-(const Ball& a, const Ball& b);
Ball operator*(const Ball& a, const Ball& b);
Ball operator/(const Ball& a, const Ball& b);
Ball ball_abs(const Ball& a);
Ball ball_sqrt(const Ball& a);
Ball ball_exp(const Ball& a);
Ball ball_ln(const Ball& a);
// a^b: repeated squaring for an exact integer b, else exp(b ln a) for a > 0.
Ball ball_pow(const Ball& a, const Ball& b);
// The value of an exact ball that is an integer of magnitude below 2^62.
std::optional<int64_t> small_integer(const Ball& b);

// How two balls compare at relative tolerance `tol`: Equal when their midpoints differ by
// at most tol * max(|a|, |b|), Different when by more, and Undecided when their radii
// together exceed that bound (the doubles cannot tell) or either is unknown.
enum class BallOrder { Equal, Different, Undecided };
BallOrder compare_balls(const Ball& a, const Ball& b, double tol);
// Whether |a - b| is surely at most `bound` (> 0).
bool within(const Ball& a, const Ball& b, double bound);

}  // namespace r1
