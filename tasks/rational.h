// Exact rationals on int64 for task generation and worked solutions: always reduced, with a
// positive denominator. Arithmetic goes through 128-bit intermediates and throws on overflow
// rather than wrapping (generators keep numbers small, so an overflow is a bug).
#pragma once
#include <cstdint>
#include <string>

namespace r1 {

int64_t gcd64(int64_t a, int64_t b);  // >= 0; gcd(0, 0) = 0
int64_t lcm64(int64_t a, int64_t b);  // > 0 for nonzero a, b

struct Rational {
  int64_t num = 0;
  int64_t den = 1;

  Rational() = default;
  Rational(int64_t n) : num(n) {}  // NOLINT: integers are rationals
  Rational(int64_t n, int64_t d);  // reduces; throws on d == 0

  bool is_integer() const { return den == 1; }
  // "7", "-5/2", "3/4": the answer format of the math families.
  std::string str() const;
  // As an operand in a claim line: negative values in parentheses, "(-5/2)".
  std::string operand() const;

  friend Rational operator+(const Rational& a, const Rational& b);
  friend Rational operator-(const Rational& a, const Rational& b);
  friend Rational operator*(const Rational& a, const Rational& b);
  friend Rational operator/(const Rational& a, const Rational& b);  // throws on b == 0
  friend Rational operator-(const Rational& a) { return Rational(-a.num, a.den); }
  friend bool operator==(const Rational& a, const Rational& b) {
    return a.num == b.num && a.den == b.den;
  }
  friend bool operator<(const Rational& a, const Rational& b);
};

// An integer as an operand: "(-5)" when negative, else "5".
std::string operand(int64_t v);

}  // namespace r1
