#include "verifiers/arith/ball_eval.h"

#include <algorithm>
#include <cmath>

namespace r1 {

namespace {

// Library functions are within a few units in the last place; 4 ulps of slack.
constexpr double kLibraryError = 0x1p-50;
// Below 2^-500, odd functions are their argument and even ones are 1, to far more than
// double precision (the next term is x^2 relative).
constexpr double kTinyLog2 = -500;
// The product for C(n, k) takes k steps; a larger k is unknown (exact arithmetic still
// handles integer n).
constexpr int64_t kMaxBinomialTerms = 100;

Ball pi() {
  return Ball::of(M_PI, 0x1p-51);  // M_PI is within 1.3e-16 of pi
}
Ball euler() {
  return Ball::of(M_E, 0x1p-51);
}

double max_log2(const Ball& a) {
  return std::max(a.log2_mid(), a.log2_rad());
}

// The argument as a double with its radius; false when it does not fit in one.
bool as_double(const Ball& a, double* x, double* r) {
  if (max_log2(a) > 1000) return false;
  *x = a.to_double();
  *r = a.rad == 0 ? 0 : std::max(std::ldexp(a.rad, static_cast<int>(a.exp)), 0x1p-1074);
  return std::isfinite(*x) && std::isfinite(*r);
}

// f monotone on its domain [lo, hi] (open at both ends when `open`): the images of the
// ball's ends bound the image of the ball.
Ball monotone(double (*f)(double), const Ball& a, double lo, double hi, bool open = false) {
  double x = 0, r = 0;
  if (!as_double(a, &x, &r)) return Ball::unknown();
  double left = r > 0 ? std::nextafter(x - r, -INFINITY) : x;
  double right = r > 0 ? std::nextafter(x + r, INFINITY) : x;
  auto inside = [&](double v) { return open ? (v > lo && v < hi) : (v >= lo && v <= hi); };
  bool below = open ? right <= lo : right < lo;
  bool above = open ? left >= hi : left > hi;
  if (below || above) return Ball::nan();
  if (!inside(left) || !inside(right)) return Ball::unknown();  // partly outside
  double y = f(x);
  double rad = std::max(std::fabs(f(left) - y), std::fabs(f(right) - y));
  return Ball::of(y, rad + std::fabs(y) * kLibraryError + 0x1p-1074);
}

// sin and cos: 1-Lipschitz, so the radius grows by at most the argument's (and never past 2).
Ball periodic(double (*f)(double), const Ball& a) {
  double x = 0, r = 0;
  if (!as_double(a, &x, &r)) return Ball::unknown();
  double y = f(x);
  return Ball::of(y, std::min(r, 2.0) + std::fabs(y) * kLibraryError + 0x1p-1074);
}

Ball tiny_function(const std::string& f, const Ball& a) {
  static const char* const kOdd[] = {"sin",  "tan",  "asin",  "atan",
                                     "sinh", "tanh", "asinh", "atanh"};
  if (std::find(std::begin(kOdd), std::end(kOdd), f) != std::end(kOdd))
    return a * Ball::of(1.0, 0x1p-900);
  if (f == "cos" || f == "cosh") return Ball::of(1.0, 0x1p-900);
  if (f == "acos") return pi() * Ball::of(0.5) - a;
  if (f == "acosh") return Ball::nan();
  return Ball::unknown();
}

}  // namespace

Ball ball_function(const std::string& f, const Ball& a) {
  if (a.undefined) return Ball::nan();
  if (!a.known()) return Ball::unknown();
  if (f == "sqrt") return ball_sqrt(a);
  if (f == "abs") return ball_abs(a);
  if (f == "exp") return ball_exp(a);
  if (f == "ln") return ball_ln(a);
  if (f == "log10") return ball_ln(a) / ball_ln(Ball::of(10.0));
  if (f == "log2") return ball_ln(a) / ball_ln(Ball::of(2.0));
  if (f == "tan") return ball_function("sin", a) / ball_function("cos", a);
  if (f == "sec") return Ball::of(1.0) / ball_function("cos", a);
  if (f == "csc") return Ball::of(1.0) / ball_function("sin", a);
  if (f == "cot") return ball_function("cos", a) / ball_function("sin", a);
  if (max_log2(a) < kTinyLog2) return tiny_function(f, a);
  if (f == "sin") return periodic(std::sin, a);
  if (f == "cos") return periodic(std::cos, a);
  if (f == "asin") return monotone(std::asin, a, -1, 1);
  if (f == "acos") return monotone(std::acos, a, -1, 1);
  if (f == "atan") return monotone(std::atan, a, -INFINITY, INFINITY);
  if (f == "tanh") return monotone(std::tanh, a, -INFINITY, INFINITY);
  if (f == "asinh") return monotone(std::asinh, a, -INFINITY, INFINITY);
  if (f == "acosh") return monotone(std::acosh, a, 1, INFINITY);
  if (f == "atanh") return monotone(std::atanh, a, -1, 1, true);
  if (f == "sinh" || f == "cosh") {
    // Near 0 the library's sinh keeps its digits; elsewhere exp keeps the range.
    if (f == "sinh" && max_log2(a) < 0) return monotone(std::sinh, a, -INFINITY, INFINITY);
    Ball up = ball_exp(a), down = ball_exp(-a);
    return (f == "sinh" ? up - down : up + down) * Ball::of(0.5);
  }
  return Ball::unknown();
}

Ball ball_factorial(const Ball& a) {
  if (a.undefined) return Ball::nan();
  if (!a.known() || max_log2(a) > 62) return Ball::unknown();
  double x = 0, r = 0;
  if (!as_double(a, &x, &r)) return Ball::unknown();
  double left = r > 0 ? std::nextafter(x - r, -INFINITY) : x;
  double right = r > 0 ? std::nextafter(x + r, INFINITY) : x;
  if (left < -170) return Ball::unknown();
  // Gamma(x + 1) has poles at x = -1, -2, ...: undefined there, unknown near one.
  double pole = std::floor(right);
  if (pole <= -1 && pole >= left) return left == right ? Ball::nan() : Ball::unknown();
  if (right <= 170) {
    auto gamma1 = [](double v) { return std::tgamma(v + 1); };
    double y = gamma1(x);
    double rad = std::max(std::fabs(gamma1(left) - y), std::fabs(gamma1(right) - y));
    return Ball::of(y, rad + std::fabs(y) * 0x1p-48);
  }
  // Beyond double range: x! = e^lgamma(x + 1), lgamma increasing here.
  double l = std::lgamma(x + 1);
  double rad = std::max(std::lgamma(right + 1) - l, l - std::lgamma(left + 1));
  return ball_exp(Ball::of(l, rad + std::fabs(l) * 0x1p-48 + 0x1p-50));
}

Ball ball_binom(const Ball& n, const Ball& k) {
  if (n.undefined || k.undefined) return Ball::nan();
  std::optional<int64_t> kk = small_integer(k);
  if (!kk) return Ball::unknown();
  if (*kk < 0) return Ball{};
  // C(n, k) = C(n, n - k) for an integer n: take the shorter product.
  if (auto nn = small_integer(n); nn && *nn >= *kk) kk = std::min(*kk, *nn - *kk);
  if (*kk > kMaxBinomialTerms) return Ball::unknown();
  Ball out = Ball::of(1.0);
  for (int64_t j = 1; j <= *kk && out.known(); ++j) {
    out = out * (n - Ball::of(static_cast<double>(*kk - j))) / Ball::of(static_cast<double>(j));
  }
  return out;
}

Ball eval_ball(const ExprTree& t, int root, const ExactNodes& exact) {
  if (root < 0) return Ball::unknown();
  // Only the balls that are used: the root's, and the children of nodes without an exact value.
  std::vector<char> needed(root + 1, 0);
  needed[root] = 1;
  for (int i = root; i >= 0; --i) {
    if (!needed[i] || exact.ok(i) || exact.status[i] == ExactStatus::DivisionByZero) continue;
    if (t.node(i).a >= 0) needed[t.node(i).a] = 1;
    if (t.node(i).b >= 0) needed[t.node(i).b] = 1;
  }
  std::vector<Ball> v(root + 1);
  for (int i = 0; i <= root; ++i) {
    if (!needed[i]) continue;
    if (exact.ok(i)) {
      v[i] = Ball::of(exact.value[i]);
      continue;
    }
    if (exact.status[i] == ExactStatus::DivisionByZero) {
      v[i] = Ball::nan();
      continue;
    }
    const ExprNode& n = t.node(i);
    switch (n.op) {
      case Op::Number:
        v[i] = Ball::of(t.number_value(i));
        break;
      case Op::Var:
      case Op::Infinity:
        v[i] = Ball::unknown();
        break;
      case Op::Pi:
        v[i] = pi();
        break;
      case Op::E:
        v[i] = euler();
        break;
      case Op::Neg:
        v[i] = -v[n.a];
        break;
      case Op::Add:
        v[i] = v[n.a] + v[n.b];
        break;
      case Op::Sub:
        v[i] = v[n.a] - v[n.b];
        break;
      case Op::Mul:
        v[i] = v[n.a] * v[n.b];
        break;
      case Op::Div:
        v[i] = v[n.a] / v[n.b];
        break;
      case Op::Pow:
        // A negative base to an exponent known exactly to be a non-integer rational is not
        // real, even when the exponent's ball (1/3 rounded) is not exact.
        if (exact.ok(n.b) && !is_integer(exact.value[n.b]) && v[n.a].negative()) {
          v[i] = Ball::nan();
          break;
        }
        v[i] = ball_pow(v[n.a], v[n.b]);
        break;
      case Op::Func:
        v[i] = ball_function(t.name(i), v[n.a]);
        break;
      case Op::Factorial:
        v[i] = ball_factorial(v[n.a]);
        break;
      case Op::Binom:
        v[i] = ball_binom(v[n.a], v[n.b]);
        break;
    }
  }
  return v[root];
}

}  // namespace r1
