#include "tasks/rational.h"

#include "core/error.h"

namespace r1 {
namespace {

int64_t narrow(__int128 v, const char* what) {
  if (v > INT64_MAX || v < INT64_MIN) fail("rational overflow in ", what);
  return static_cast<int64_t>(v);
}

Rational make(__int128 n, __int128 d, const char* what) {
  if (d == 0) fail("division by zero in ", what);
  if (d < 0) n = -n, d = -d;
  __int128 a = n < 0 ? -n : n, b = d;
  while (b != 0) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) n /= a, d /= a;
  Rational r;
  r.num = narrow(n, what);
  r.den = narrow(d, what);
  return r;
}

}  // namespace

int64_t gcd64(int64_t a, int64_t b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

int64_t lcm64(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  return narrow(static_cast<__int128>(a < 0 ? -a : a) / gcd64(a, b) * (b < 0 ? -b : b), "lcm");
}

Rational::Rational(int64_t n, int64_t d) {
  *this = make(n, d, "fraction");
}

std::string Rational::str() const {
  return den == 1 ? std::to_string(num) : cat(num, "/", den);
}

std::string Rational::operand() const {
  return num < 0 ? cat("(", str(), ")") : str();
}

Rational operator+(const Rational& a, const Rational& b) {
  return make(static_cast<__int128>(a.num) * b.den + static_cast<__int128>(b.num) * a.den,
              static_cast<__int128>(a.den) * b.den, "+");
}

Rational operator-(const Rational& a, const Rational& b) {
  return make(static_cast<__int128>(a.num) * b.den - static_cast<__int128>(b.num) * a.den,
              static_cast<__int128>(a.den) * b.den, "-");
}

Rational operator*(const Rational& a, const Rational& b) {
  return make(static_cast<__int128>(a.num) * b.num, static_cast<__int128>(a.den) * b.den, "*");
}

Rational operator/(const Rational& a, const Rational& b) {
  return make(static_cast<__int128>(a.num) * b.den, static_cast<__int128>(a.den) * b.num, "/");
}

bool operator<(const Rational& a, const Rational& b) {
  return static_cast<__int128>(a.num) * b.den < static_cast<__int128>(b.num) * a.den;
}

std::string operand(int64_t v) {
  return v < 0 ? cat("(", v, ")") : std::to_string(v);
}

}  // namespace r1
