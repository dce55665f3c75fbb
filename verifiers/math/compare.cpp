#include "verifiers/math/compare.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "core/rng.h"
#include "verifiers/arith/ball_eval.h"
#include "verifiers/arith/exact_eval.h"

namespace r1 {

namespace {

// Expressions with variables are compared at kPoints points, and must agree at every point
// where both are defined (at least two). Why eight, and how likely a false pass is:
//   - Each variable's value is a multiple of 1/q (q a prime near 2^16, a different one at each
//     point) in a magnitude range of width 0.9 or more (kPointShapes), with its sign, chosen by
//     a hash of its name and the point's index: about 2^16 possible values per coordinate,
//     independent of anything in the answer.
//   - Where both sides are rational at a point (polynomials and rational functions: the common
//     case), the comparison is exact. If the sides differ, their difference (numerator) is a
//     nonzero polynomial of degree d, and by the Schwartz-Zippel lemma a random point is one of
//     its roots with probability at most d / 2^16. Exact evaluation stops at 1024-bit values,
//     so d stays below about 60: at most 1e-3 per point, and (1e-3)^8 = 1e-24 for all eight.
//   - Otherwise (sqrt, sin, exp, ...) values compare in ball arithmetic at the relative
//     tolerance (1e-8). Two different analytic expressions agree that closely at a random
//     point only near a crossing of their graphs; for the answers a verifier sees this is
//     rare per point, and eight independent points make it negligible. What the tolerance
//     cannot see are differences below it everywhere (x versus x + 10^-12), by design.
//   - Point kPoints/2 is negative in every variable, so sqrt(x^2) and x, or |x| and x, differ;
//     half the points lie inside (-1, 1), half outside; one-letter variables have distinct
//     sign patterns (negative_at), so |a| + |b| and |a + b| differ.
// More points cost time on every verdict for odds that are already below any other error.
constexpr int kPoints = 8;
// The largest denominator a rational may have and still equal an expression that is not
// evaluated exactly (see scalar_equal).
constexpr int kMaxExactDenominator = 1000;
// Likewise a numerator: 485165195 is within 1e-8 of e^{20}, but an integer that large equals a
// value evaluated in floating point only by coincidence.
constexpr int kMaxExactNumerator = 1000000;
constexpr size_t kMaxVars = 16;
// The relative tolerance between an exact rational and a value computed in ball arithmetic.
constexpr double kExactVsComputedTol = 1e-12;
// Exact evaluation at a point is for the rational parts of ordinary expressions (degree 60 in
// one variable at most); larger values go to ball arithmetic, which keeps hostile input
// ("x^{37} + x^{74} + ... + x^{5550}") cheap.
const ExactLimits kPointLimits = [] {
  ExactLimits l;
  l.max_bits = 1024;
  return l;
}();

// Where the points lie: for each point a magnitude range and a prime denominator. Half the
// points have magnitudes below 1 and half above, so |x^2 - 1| and x^2 - 1 differ for every
// variable. Values are multiples of 1/q for a different prime q near 2^16 at each point, so no
// expression that vanishes on one grid (sin(q pi x)) vanishes at all of them.
struct PointShape {
  double lo, hi;
  int64_t q;
};
constexpr PointShape kPointShapes[kPoints] = {
    {0.05, 0.95, 65521}, {1.05, 3.0, 65519},  {0.05, 0.95, 65497}, {1.05, 3.0, 65479},
    {0.5, 2.5, 65449},   {0.05, 0.95, 65447}, {1.05, 3.0, 65437},  {0.05, 0.95, 65423}};

// Signs: point 0 is positive and point kPoints/2 negative in every variable (odd and even
// functions differ); at the other six each variable has its own pattern of signs. Two variables
// with the same pattern look alike to sign-sensitive answers (|a| + |b| against |a + b|), so the
// 52 one-letter names get 52 different patterns of the 64; longer names get one from a hash.
bool negative_at(const std::string& name, int k) {
  if (k == 0) return false;
  if (k == kPoints / 2) return true;
  uint64_t pattern;
  char c = name.size() == 1 ? name[0] : 0;
  if (c >= 'a' && c <= 'z')
    pattern = static_cast<uint64_t>(c - 'a');
  else if (c >= 'A' && c <= 'Z')
    pattern = static_cast<uint64_t>(26 + c - 'A');
  else
    pattern = hash64(name);
  pattern = (pattern * 37 + 11) % 64;  // a bijection on 0..63, so distinct letters stay distinct
  int bit = k < kPoints / 2 ? k - 1 : k - 2;  // the six free points
  return (pattern >> bit) & 1;
}

// The value of variable `name` at point k: a function of the name only, so both sides see the
// same values without agreeing on an order.
BigRational var_value(const std::string& name, int k) {
  Rng rng(hash64(name), static_cast<uint64_t>(k));
  const PointShape& shape = kPointShapes[k];
  double mag = shape.lo + (shape.hi - shape.lo) * rng.uniform();
  auto units = static_cast<long long>(std::llround(mag * static_cast<double>(shape.q)));
  return BigRational(BigInt(negative_at(name, k) ? -units : units), BigInt(shape.q));
}

// One side at one point: exactly when it is rational there, else as a ball.
struct PointValue {
  ExactNodes nodes;
  bool exact = false;        // nodes.value[root] holds the value
  std::optional<Ball> ball;  // computed when first needed
  bool undefined = false;    // a division by zero, sqrt(-1), ...
};

// What a scalar side evaluates to, computed once per item (set matching compares many pairs).
struct Summary {
  const MathValue* v = nullptr;
  bool decimal = false;
  int lone_places = -1;  // decimal places when the side is one decimal literal ("0.333")
  bool lone_decimal = false;  // ... or one in scientific notation past 30 places
  int inf_sign = 0;
  bool has_inf = false;
  std::vector<std::string> vars;
  bool evaluated = false;
  bool evaluable = false;
  // Without variables: a rational too large for exact arithmetic (10^3000 + 1), which
  // floating point cannot tell from its neighbours.
  bool too_large_rational = false;
  std::vector<PointValue> at;  // kPoints with variables, else one

  bool has_vars() const { return !vars.empty(); }
  PointValue& point(int k) { return at[at.size() == 1 ? 0 : k]; }
  ExactStatus status() const { return at[0].nodes.status[v->root]; }
};

Summary summarize(const MathValue& v) {
  Summary s;
  s.v = &v;
  const ExprTree& t = *v.tree;
  s.has_inf = t.contains(v.root, Op::Infinity);
  s.inf_sign = t.infinity_sign(v.root);
  s.decimal = t.has_decimal(v.root);
  s.lone_places = t.lone_decimal_places(v.root);
  s.lone_decimal = t.lone_decimal_places(v.root, /*capped=*/false) >= 0;
  s.vars = t.variables(v.root);
  return s;
}

void evaluate(Summary& s) {
  if (s.evaluated) return;
  s.evaluated = true;
  if (s.has_inf || s.vars.size() > kMaxVars) return;
  const ExprTree& t = *s.v->tree;
  int root = s.v->root;
  s.at.resize(s.has_vars() ? kPoints : 1);
  for (size_t k = 0; k < s.at.size(); ++k) {
    VarValues point;
    for (const std::string& name : s.vars)
      point.emplace_back(name, var_value(name, static_cast<int>(k)));
    PointValue& pv = s.at[k];
    pv.nodes = eval_exact_nodes(t, root, s.has_vars() ? kPointLimits : ExactLimits{}, point);
    pv.exact = pv.nodes.ok(root);
    pv.undefined = pv.nodes.status[root] == ExactStatus::DivisionByZero;
  }
  if (!s.has_vars() && s.status() == ExactStatus::TooLarge) {
    std::vector<bool> live = t.reachable(root);
    s.too_large_rational = true;
    for (int i = 0; i <= root; ++i) {
      if (live[i] && s.at[0].nodes.status[i] == ExactStatus::NotRational)
        s.too_large_rational = false;
    }
  }
  s.evaluable = true;
}

const BigRational& exact_value(const Summary& s, const PointValue& pv) {
  return pv.nodes.value[s.v->root];
}

const Ball& ball_at(Summary& s, int k) {
  PointValue& pv = s.point(k);
  if (!pv.ball) {
    pv.ball = pv.exact ? Ball::of(exact_value(s, pv)) : eval_ball(*s.v->tree, s.v->root, pv.nodes);
    if (pv.ball->undefined) pv.undefined = true;
  }
  return *pv.ball;
}

bool undefined_at(Summary& s, int k) {
  if (s.point(k).exact) return false;
  return ball_at(s, k).undefined;
}

// A bound compared in doubles is inclusive: a hair over it passes, as in exact arithmetic
// ("x = 0.333333" for "3x = 1" is exactly 10^-6 off, and the double 1e-6 is a hair less).
constexpr double kInclusive = 1 + 1e-9;

// A tolerance as the decimal it is written as: 1e-6 is 1/10^6, where the double 1e-6 is a hair
// less, which refused 0.333333 for 1/3 (|D - v| is exactly 10^-6 of 1/3). The last one is kept:
// every comparison asks about the same one or two tolerances.
const BigRational& decimal_rational(double x) {
  thread_local double last = NAN;
  thread_local BigRational value;
  if (x == last) return value;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);  // the shortest that reads back
  if (ec != std::errc()) {
    value = BigRational(x);
  } else {
    std::string_view text(buf, end - buf);
    int exponent = 0;
    if (size_t e = text.find('e'); e != std::string_view::npos) {
      exponent = std::stoi(std::string(text.substr(e + 1)));
      text = text.substr(0, e);
    }
    std::string digits;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '.')
        exponent -= static_cast<int>(text.size() - i - 1);
      else
        digits += text[i];
    }
    const BigRational ten_power{
        boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(std::abs(exponent)))};
    const BigRational r{BigInt(digits)};
    value = exponent >= 0 ? BigRational(r * ten_power) : BigRational(r / ten_power);
  }
  last = x;
  return value;
}

// |a - b| <= tol * max(|a|, |b|), exactly.
bool exact_close(const BigRational& a, const BigRational& b, double tol) {
  if (a == b) return true;
  if (tol <= 0) return false;
  BigRational diff = a - b, scale = a < 0 ? BigRational(-a) : a;
  if (diff < 0) diff = -diff;
  BigRational bs = b < 0 ? BigRational(-b) : b;
  if (bs > scale) scale = bs;
  return diff <= decimal_rational(tol) * scale;
}

// A lone decimal literal with k places claims the value to k places: it must be the other side
// rounded to nearest or truncated at k places (exactly, where the other side is rational; within
// 10^-k where it is not), so 1000000.5 is not 1000000 however small the relative difference.
// Compound expressions with decimals are exact where both sides are (exact_equal: "1000001*1.0"
// is not 1000000); otherwise ("2.5x", "\sqrt{2.5}") they are judged by the relative tolerance
// alone.
// `within(k, pred_is_decimal)` is asked for the side (or sides) that is a lone decimal.
template <typename Within>
bool rounding_ok(const Summary& g, const Summary& p, Within within) {
  if (p.lone_places < 0 && g.lone_places < 0) return true;
  if (p.lone_places >= 0 && p.lone_places <= 30 && within(p.lone_places, true)) return true;
  if (g.lone_places >= 0 && g.lone_places <= 30 && within(g.lone_places, false)) return true;
  return false;
}

// Whether `decimal` (a literal with `places` digits after the point) is `exact` rounded to
// nearest or truncated toward zero at that many places: 0.6666667 and 0.6666666 are 2/3, and
// 123456789.1 is not 123456789.
bool rounds_to(const BigRational& decimal, const BigRational& exact, int places) {
  BigInt scale = boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(places));
  BigRational d = decimal * BigRational(scale), x = exact * BigRational(scale);
  BigInt lo = numerator(x) / denominator(x);   // toward zero
  if (x < 0 && BigRational(lo) != x) lo -= 1;  // now floor
  BigInt hi = BigRational(lo) == x ? lo : lo + 1;
  BigRational frac = x - BigRational(lo);
  BigInt toward_zero = x < 0 ? hi : lo;
  auto is = [&](const BigInt& v) { return d == BigRational(v); };
  if (is(toward_zero)) return true;
  BigRational half(1, 2);
  if (frac < half) return is(lo);
  if (frac > half) return is(hi);
  return is(lo) || is(hi);  // exactly half way: either neighbour
}

CompareResult exact_equal(const BigRational& gv, const BigRational& pv, const Summary& g,
                          const Summary& p, const CompareOptions& o) {
  if (gv == pv) return {true, "exact"};
  if (!g.decimal && !p.decimal) return {false, "exact"};
  // Two exact values and neither a lone decimal: a decimal inside an expression is its exact
  // value, not a rounding ("1000001*1.0" is not 1000000; "1234567.5*1" is neither neighbour).
  if (g.lone_places < 0 && p.lone_places < 0) return {false, "exact"};
  bool eq = exact_close(gv, pv, o.decimal_rel_tol) &&
            rounding_ok(g, p, [&](int places, bool pred_is_decimal) {
              return pred_is_decimal ? rounds_to(pv, gv, places) : rounds_to(gv, pv, places);
            });
  return {eq, "decimal_tolerance"};
}

// The decimal coefficient of a product: `root` is a product (of any grouping, either sign,
// with divisions) of exactly one decimal literal with a fraction, and factors none of which is
// a number or holds a decimal ("0.3333333\pi", "0.3333333xy", "0.1428571x^2y",
// "\frac{0.3333333}{\pi}"; not "0.5 \cdot 2469136\ln e", whose rational factor would carry
// a coefficient's rounding error into a large product). The literal's node, or -1.
int decimal_coefficient(const ExprTree& t, int root) {
  int coefficient = -1;
  std::vector<std::pair<int, bool>> todo = {{root, false}};  // node, under a denominator
  while (!todo.empty()) {
    const auto [i, below] = todo.back();
    todo.pop_back();
    const ExprNode& n = t.node(i);
    if (n.op == Op::Neg) {
      todo.push_back({n.a, below});
    } else if (n.op == Op::Mul || n.op == Op::Div) {
      todo.push_back({n.a, below});
      todo.push_back({n.b, below || n.op == Op::Div});
    } else if (n.op == Op::Number) {
      if (below || coefficient >= 0 || t.lone_decimal_places(i) < 0 ||
          boost::multiprecision::denominator(t.number_value(i)) == 1)
        return -1;  // a rational factor, a second coefficient, or "1.0"
      coefficient = i;
    } else if (t.has_decimal(i)) {
      return -1;
    }
  }
  return coefficient;
}

// "0.3333333\pi" for \frac{\pi}{3}, "0.3333333x" for \frac{x}{3}: a side whose value is a
// decimal coefficient c times factors F (decimal_coefficient), against a side with no decimal,
// is a rounding of its coefficient: equal at point k when c is the other side's ratio to F
// rounded (exactly, where that ratio is rational) or within one unit of c's last place (where
// it is not), as a lone decimal must be the value, and the two sides are within
// decimal_rel_tol. F not rational against a rational value is no rounding of it
// ("0.3333334\pi^{0}" for \frac13). nullopt when `dec` is no such product. Any other decimal
// inside an expression is its exact value ("1234568\pi^{0.0}" is no rounding of 1234567).
std::optional<bool> coefficient_rounding(Summary& dec, Summary& other, const CompareOptions& o,
                                         int k) {
  const ExprTree& t = *dec.v->tree;
  const int c = decimal_coefficient(t, dec.v->root);
  if (c < 0) return std::nullopt;
  const int places = t.lone_decimal_places(c);
  const BigRational cv = t.number_value(c);
  PointValue &at = dec.point(k), &there = other.point(k);
  if (there.exact && !at.exact) return false;
  if (at.exact && there.exact) {  // all rational here: the coefficient rounds exactly
    const BigRational &d = exact_value(dec, at), &v = exact_value(other, there);
    if (d == 0) return v == 0;
    return rounds_to(cv, cv * v / d, places) && exact_close(d, v, o.decimal_rel_tol);
  }
  if (undefined_at(other, k) || undefined_at(dec, k)) return false;
  const Ball &x = ball_at(dec, k), &y = ball_at(other, k);
  if (!x.known() || !y.known() || x.contains_zero()) return false;
  const Ball ratio = Ball::of(cv) * y / x;  // what c would be for the other side
  return within(Ball::of(cv), ratio, std::pow(10.0, -places) * kInclusive) &&
         compare_balls(x, y, o.decimal_rel_tol) == BallOrder::Equal;
}

// The widest ball around 0 that is read as 0 against an exact zero (scalar_equal).
constexpr double kZeroWidth = 1e-12;

// Values that are exact compare exactly; any other pair compares in ball arithmetic at the
// relative tolerance, and a pair the doubles cannot decide is not equal.
CompareResult scalar_equal(Summary& g, Summary& p, const CompareOptions& o) {
  if (g.has_inf || p.has_inf) {
    bool eq = g.inf_sign != 0 && g.inf_sign == p.inf_sign;
    return {eq, "infinity"};
  }
  evaluate(g);
  evaluate(p);
  if (!g.evaluable || !p.evaluable) return {false, "not_evaluable"};
  bool vars = g.has_vars() || p.has_vars();
  // The decimal tolerance is for a rounding: a side that is one decimal literal (checked by
  // rounding_ok below, up to 30 places), in scientific notation or not, or a decimal value
  // computed from decimals with a fraction ("288 \times 3.14159265") against a value
  // that is not rational. Any other decimal inside an expression is its exact value, as
  // exact_equal reads it: with a point spelled anywhere as the trigger, "1234568\pi^{0.0}"
  // passed for 1234567, "1000001x \cdot 1.0" for 1000000x and "\frac{355.0}{113}" for \pi (an
  // audit and its review).
  const bool lone = g.lone_decimal || p.lone_decimal;
  // A side computed from decimals counts as a rounding when one of its literals has a fraction
  // ("288 \times 3.14159265", "\frac{3.1415927}{3}"); a point with nothing after it is no
  // rounding ("\frac{355.0}{113}" for \pi, "1393.0/985" for \sqrt{2}).
  auto fractional = [](const Summary& s) {
    const ExprTree& t = *s.v->tree;
    const std::vector<bool> under = t.reachable(s.v->root);
    for (int i = 0; i <= s.v->root; ++i)
      if (under[i] && t.node(i).op == Op::Number && t.lone_decimal_places(i) >= 0 &&
          boost::multiprecision::denominator(t.number_value(i)) != 1)
        return true;
    return false;
  };
  auto decimal_at = [&](PointValue& a, PointValue& b) {
    return lone || (g.decimal && a.exact && !b.exact && fractional(g)) ||
           (p.decimal && b.exact && !a.exact && fractional(p));
  };
  const bool decimal = !vars && decimal_at(g.point(0), p.point(0));
  if (!lone && g.decimal != p.decimal) {
    Summary &dec = g.decimal ? g : p, &other = g.decimal ? p : g;
    const int n = vars ? kPoints : 1;
    if (std::optional<bool> eq = coefficient_rounding(dec, other, o, 0)) {
      for (int k = 1; k < n && *eq; ++k) eq = coefficient_rounding(dec, other, o, k);
      return {*eq, "decimal_coefficient"};
    }
  }
  if (!vars) {
    PointValue &a = g.point(0), &b = p.point(0);
    if (a.exact && b.exact) return exact_equal(exact_value(g, a), exact_value(p, b), g, p, o);
    if (a.undefined || b.undefined) return {false, "division_by_zero"};
    // A fraction against a value that is not rational: \frac{104348}{33215} is within 1e-8 of
    // pi but is not pi, nor is 485165195 e^{20}. Exact values of such expressions have small
    // denominators
    // (\sin\frac{\pi}{6} = \frac12, \log_2 8 = 3), so a large one is an approximation.
    if (!decimal && a.exact != b.exact) {
      const BigRational& r = a.exact ? exact_value(g, a) : exact_value(p, b);
      BigInt num = numerator(r);
      if (num < 0) num = -num;
      if (denominator(r) > kMaxExactDenominator || num > kMaxExactNumerator)
        return {false, "rational_vs_irrational"};
    }
    if (g.too_large_rational || p.too_large_rational) {
      // Rationals beyond exact limits: equal only when the doubles hold both exactly.
      const Ball &x = ball_at(g, 0), &y = ball_at(p, 0);
      bool eq = x.is_exact() && y.is_exact() && x.mid == y.mid && x.exp == y.exp;
      return {eq, "too_large"};
    }
  }
  int n = vars ? kPoints : 1;
  int valid = 0;
  bool all_exact = true;
  for (int k = 0; k < n; ++k) {
    PointValue &a = g.point(k), &b = p.point(k);
    if (a.exact && b.exact) {
      // Rational at this point (a polynomial in x, say): exact, so 10^20 + x is not 10^20 + 1 + x.
      if (!exact_close(exact_value(g, a), exact_value(p, b), lone ? o.decimal_rel_tol : 0))
        return {false, "exact_at_points"};
      ++valid;
      continue;
    }
    all_exact = false;
    const bool decimal_here = vars ? decimal_at(a, b) : decimal;
    const double tol = decimal_here ? o.decimal_rel_tol : o.numeric_rel_tol;
    bool gu = undefined_at(g, k), pu = undefined_at(p, k);
    if (gu && pu) continue;  // outside both domains
    if (gu != pu) return {false, "numeric"};
    const Ball &x = ball_at(g, k), &y = ball_at(p, k);
    // Against an exact zero a relative tolerance judges nothing. A computed value is zero when
    // its ball holds 0 and is narrower than 1e-12: an identity that lands on zero
    // (\cos\frac{\pi}{2}, \sin\pi), which doubles keep to about 1e-16. A small nonzero value
    // (\sin 10^{-20}, \pi - 3.14159265358979) has a ball that excludes 0, and one computed from
    // huge terms has a wide ball: both stay unequal.
    if (a.exact != b.exact && (a.exact ? exact_value(g, a) : exact_value(p, b)) == 0) {
      const Ball& computed = a.exact ? y : x;
      if (computed.contains_zero() && computed.log2_rad() <= std::log2(kZeroWidth)) {
        ++valid;
        continue;
      }
    }
    // An exact nonzero rational against a value that is not: they are equal only through an
    // identity (\log_2 8 = 3, \sin^2 x + \cos^2 x = 1), which floating point keeps to about
    // 1e-16, so the tolerance that allows for a computed gold's rounding is not needed:
    // 5 + 10^{-8}\pi is not 5. (Against 0 a relative tolerance means nothing; \cos\frac{\pi}{2}
    // keeps the usual one.)
    const bool exact_vs_computed = !decimal_here && a.exact != b.exact &&
                                   (a.exact ? exact_value(g, a) : exact_value(p, b)) != 0;
    const double t = exact_vs_computed ? std::min(tol, kExactVsComputedTol) : tol;
    BallOrder order = compare_balls(x, y, t);
    if (order == BallOrder::Undecided) return {false, "numeric_undecided"};
    if (order == BallOrder::Different) return {false, "numeric"};
    if (decimal && !vars && !rounding_ok(g, p, [&](int places, bool) {
          return within(x, y, std::pow(10.0, -places) * kInclusive);
        })) {
      return {false, "decimal_rounding"};
    }
    ++valid;
  }
  int needed = vars ? 2 : 1;
  if (valid < needed) return {false, "numeric_undefined"};
  return {true, all_exact ? "exact_at_points" : "numeric"};
}

class Comparer {
 public:
  explicit Comparer(const CompareOptions& o) : o_(o) {}

  CompareResult equal(const MathValue& g, const MathValue& p) {
    if (++calls_ > 4096) return {false, "too_complex"};
    using K = ValueKind;
    if (g.kind == K::Scalar && p.kind == K::Scalar) {
      Summary gs = summarize(g), ps = summarize(p);
      return scalar_equal(gs, ps, o_);
    }
    if (g.kind == K::Text || p.kind == K::Text) {
      return {g.kind == p.kind && g.text == p.text, "text"};
    }
    if (g.kind == K::Equation && p.kind == K::Equation) return equations(g, p);
    if (g.kind == K::Scalar && p.kind == K::Equation) {
      // An equation states a value when one side is a lone variable ("2x + 3 = y") or it is a
      // true computation ("9 * 2 = 18"). "x + 1 = 19" and "2 + 2 = 5" state no value.
      if (const MathValue* side = stated_value(p)) {
        CompareResult r = equal(g, *side);
        return {r.equal, "equation_value:" + r.method};
      }
    }
    if (g.kind == K::Relation && p.kind == K::Relation) return relations(g, p);
    // A gold inequality accepts the same set written as intervals ("x \geq 5" and
    // "[5, \infty)"). The reverse is not accepted: a gold interval comes from a question that
    // asks for interval notation, and "(1, 5)" as a gold may be a point, not 1 < x < 5.
    if (g.kind == K::Relation && g.as_intervals && (p.kind == K::Tuple || p.kind == K::Set)) {
      CompareResult r = equal(*g.as_intervals, p);
      return {r.equal, "relation_as_intervals"};
    }
    if (g.kind == K::Tuple && p.kind == K::Tuple) {
      if (g.open != p.open || g.close != p.close) return {false, "brackets"};
      return ordered(g, p);
    }
    if (g.kind == K::Tuple && p.kind == K::List && g.open == '(' && g.close == ')')
      return ordered(g, p);
    if (g.kind == K::Matrix && p.kind == K::Matrix) {
      if (g.items.size() != p.items.size()) return {false, "shape"};
      for (size_t i = 0; i < g.items.size(); ++i) {
        CompareResult r = ordered(g.items[i], p.items[i]);
        if (!r.equal) return r;
      }
      return {true, "elementwise"};
    }
    // A list gold ("-2, 1", the roots) takes a bracketed answer only in round brackets: "[-2,
    // 1]", "(-2, 1]" and "x \in [-2, 1]" are intervals (an audit found them accepted).
    bool g_unordered = g.kind == K::Set || g.kind == K::List;
    bool p_unordered = p.kind == K::Set || p.kind == K::List ||
                       (p.kind == K::Tuple && p.open == '(' && p.close == ')');
    if (g_unordered && p_unordered && !(g.kind == K::Set && p.kind == K::Tuple))
      return unordered(g, p);
    return {false, std::string("kind_mismatch:") + value_kind_name(g.kind) + "/" +
                       value_kind_name(p.kind)};
  }

 private:
  CompareResult ordered(const MathValue& g, const MathValue& p) {
    if (g.items.size() != p.items.size()) return {false, "length"};
    for (size_t i = 0; i < g.items.size(); ++i) {
      CompareResult r = equal(g.items[i], p.items[i]);
      if (!r.equal) return r;
    }
    return {true, "elementwise"};
  }

  CompareResult unordered(const MathValue& g, const MathValue& p) {
    if (g.items.size() != p.items.size()) return {false, "length"};
    size_t n = g.items.size();
    // Scalars are summarised once; pairs then compare cheaply.
    std::vector<std::optional<Summary>> gs(n), ps(n);
    for (size_t i = 0; i < n; ++i) {
      if (g.items[i].kind == ValueKind::Scalar) gs[i] = summarize(g.items[i]);
      if (p.items[i].kind == ValueKind::Scalar) ps[i] = summarize(p.items[i]);
    }
    std::vector<bool> used(n, false);
    for (size_t i = 0; i < n; ++i) {
      bool found = false;
      for (size_t j = 0; j < n && !found; ++j) {
        if (used[j]) continue;
        bool eq;
        if (gs[i] && ps[j])
          eq = scalar_equal(*gs[i], *ps[j], o_).equal;
        else
          eq = equal(g.items[i], p.items[j]).equal;
        if (eq) {
          used[j] = true;
          found = true;
        }
      }
      if (!found) return {false, "multiset"};
    }
    return {true, "multiset"};
  }

  // The value an equation states: the other side of a lone variable ("2x + 3 = y"), or the
  // right side of a true computation ("9 * 2 = 18"; "2 + 2 = 5" and "19 = 18" state nothing).
  const MathValue* stated_value(const MathValue& eq) {
    if (eq.items.size() != 2) return nullptr;
    const MathValue &l = eq.items[0], &r = eq.items[1];
    std::vector<std::string> lv = l.tree->variables(l.root);
    if (r.tree->node(r.root).op == Op::Var &&
        std::find(lv.begin(), lv.end(), r.tree->name(r.root)) == lv.end()) {
      return &l;
    }
    if (!lv.empty() || !r.tree->variables(r.root).empty()) return nullptr;
    return equal(l, r).equal ? &r : nullptr;
  }

  // Same signs in the same order, and sides equal one by one ("5 \leq x" is how both
  // "x \geq 5" and "5 \le x" are stored). "a \ne b" is also "b \ne a".
  CompareResult relations(const MathValue& g, const MathValue& p) {
    if (g.rel_ops != p.rel_ops || g.items.size() != p.items.size()) return {false, "relation"};
    CompareResult r = ordered(g, p);
    if (!r.equal && g.rel_ops.size() == 1 && g.rel_ops[0] == RelOp::NotEq) {
      r = equal(g.items[0], p.items[1]);
      if (r.equal) r = equal(g.items[1], p.items[0]);
    }
    return {r.equal, "relation"};
  }

  // f = 0 and g = 0 are the same equation when f = c * g for a constant c != 0: the ratio
  // f / g is the same at every point (exactly where both are rational there).
  CompareResult equations(const MathValue& g, const MathValue& p) {
    Summary gs = summarize(g), ps = summarize(p);
    evaluate(gs);
    evaluate(ps);
    if (!gs.evaluable || !ps.evaluable) return {false, "not_evaluable"};
    if (!gs.has_vars() && !ps.has_vars()) return {false, "equation_without_variables"};
    // A side that is one decimal literal ("x + y = 0.3333333") claims a constant to its places,
    // as a lone decimal scalar does: the equations are compared by decimal_side below, and either
    // one's decimal may be the rounding (as rounding_ok allows for scalars). Any other decimal is
    // its exact value ("x + y = 1234568\pi^{0.0}" is no rounding of "x + y = 1234567").
    const int gd = lone_decimal_side(g), pd = lone_decimal_side(p);
    if (gd >= 0 || pd >= 0) {
      const bool eq = (pd >= 0 && decimal_side(p, pd, gs)) || (gd >= 0 && decimal_side(g, gd, ps));
      return {eq, "equation_decimal"};
    }
    std::optional<BigRational> exact_ratio;
    std::optional<Ball> ratio;
    auto same_exact_ratio = [&](const BigRational& r) {
      if (!exact_ratio && !ratio) exact_ratio = r;
      if (!ratio) return *exact_ratio == r;
      return compare_balls(*ratio, Ball::of(r), o_.numeric_rel_tol) == BallOrder::Equal;
    };
    auto same_ratio = [&](const Ball& r, double t) {
      if (!ratio) ratio = exact_ratio ? Ball::of(*exact_ratio) : r;
      return compare_balls(*ratio, r, t) == BallOrder::Equal;
    };
    int valid = 0;
    for (int k = 0; k < kPoints; ++k) {
      PointValue &a = gs.point(k), &b = ps.point(k);
      if (a.exact && b.exact) {
        const BigRational &x = exact_value(gs, a), &y = exact_value(ps, b);
        if (x == 0 || y == 0) {
          if ((x == 0) != (y == 0)) return {false, "equation"};
          continue;
        }
        if (!same_exact_ratio(x / y)) return {false, "equation"};
        ++valid;
        continue;
      }
      bool gu = undefined_at(gs, k), pu = undefined_at(ps, k);
      if (gu && pu) continue;
      if (gu != pu) return {false, "equation"};
      const Ball &x = ball_at(gs, k), &y = ball_at(ps, k);
      if (x.is_zero() && y.is_zero()) continue;
      if (x.contains_zero() || y.contains_zero()) return {false, "equation_undecided"};
      // One side exact and the other not: equal only through an identity, which floating point
      // keeps to about 1e-16 (as for scalars): "x + y = 1234568\pi^{0.0}" has a ratio to
      // "x + y = 1234567" within 1e-8 of the same at every point, but is another line.
      const double t = a.exact != b.exact ? std::min(o_.numeric_rel_tol, kExactVsComputedTol)
                                          : o_.numeric_rel_tol;
      if (!same_ratio(x / y, t)) return {false, "equation"};
      ++valid;
    }
    return {valid >= 2, "equation"};
  }

  // The side (0 or 1) of an equation that is one decimal literal, or -1.
  static int lone_decimal_side(const MathValue& e) {
    if (e.items.size() != 2) return -1;
    for (int i = 0; i < 2; ++i) {
      const MathValue& side = e.items[i];
      if (side.tree && side.tree->lone_decimal_places(side.root, /*capped=*/false) >= 0) return i;
    }
    return -1;
  }

  // Whether `e`, whose side `side` is a decimal literal D with k places and whose other side is
  // A, is the equation F = 0 (`other`). As a lone decimal scalar must be its value rounded and
  // within decimal_rel_tol of it, F = c (A - v) for a constant c != 0 and a value v that D is,
  // rounded to nearest or toward zero at k places (rounds_to), and |D - v| is within
  // decimal_rel_tol of |v| (the constant as written, as for a scalar) and of A's scale about the
  // curve (how far the rounding moves the curve): the larger of A's spread over the points and
  // the least distance of A's values there from v (x + y = 142.8571 is 1000/7 to 7 digits).
  // Each alone has a hole: the ratio test this replaced passed "x + y = 1234568.0" for
  // "x + y = 1234567"; a rounding alone, "x + y = 0.3" for "3x + 3y = 1"; |v| alone,
  // "x + y + 1000000 = 1000000.3" for "3x + 3y = 1"; the scale alone,
  // "(x-100000)^2 + (y-100000)^2 = 2.3" for "... = 2.25". Measures tried before these (from
  // four reviews) failed right answers where a point or the origin lay near the curve or the
  // constant was over about 20 (the spread alone), or let a term that is 0 at the points but not
  // at the origin (1000000 \cdot 0^{x^2}) choose the scale. A far curve or a term huge at the
  // points makes A's scale large (x^2 + y^2 - 2000x = -999999.6 for (x-1000)^2 + y^2 =
  // \frac13): where the other equation has a constant side r, the rounding must also be within
  // decimal_rel_tol of r in that equation's form (close_to_r). Left: such curves against an
  // equation with no constant side ((x-1000)^2 + y^2 - \frac13 = 0). c and
  // c v come from two points and are checked at every other one; exactly where everything is
  // rational there, else in ball arithmetic (where v must be within one unit of D's last place, as
  // for scalars). Any other decimal in either equation is its exact value, so a rounded coefficient
  // beside a decimal side fails as it does without one
  // ("0.4285714286x + y = 0.2857142857" is no "3x + 7y = 2").
  bool decimal_side(const MathValue& e, int side, Summary& other) {
    Summary as = summarize(e.items[1 - side]), ds = summarize(e.items[side]);
    evaluate(as);
    evaluate(ds);
    if (!as.evaluable || !ds.evaluable || !ds.point(0).exact) return false;
    const BigRational d = exact_value(ds, ds.point(0));
    const int places = e.items[side].tree->lone_decimal_places(e.items[side].root, false);
    std::vector<int> points;
    bool exact = true;
    for (int k = 0; k < kPoints; ++k) {
      const bool au = undefined_at(as, k), fu = undefined_at(other, k);
      if (au && fu) continue;
      if (au != fu) return false;
      points.push_back(k);
      exact = exact && as.point(k).exact && other.point(k).exact;
    }
    if (points.size() < 3) return false;  // two points fit any line
    // The scale of A about the curve, as a double: its spread over the points, or how far its
    // values at the points are from v, whichever is larger (+inf where A leaves the range).
    // Where the other equation has a side without variables r != 0 ("(x-1000)^2 + y^2 =
    // \frac13"), the answer written in its form has the constant r - c (v - D): that too must be
    // within decimal_rel_tol of r. A far curve or a term huge at the points makes A's scale
    // large; r is the constant its writer chose.
    std::optional<Ball> r;
    for (const MathValue& item : other.v->items) {
      if (!item.tree || !item.tree->variables(item.root).empty()) continue;
      Summary rs = summarize(item);
      evaluate(rs);
      if (rs.evaluable && !undefined_at(rs, 0)) r = ball_at(rs, 0);
    }
    auto close_to_r = [&](const Ball& c, const Ball& cv) {
      if (!r || r->is_zero()) return true;
      const double bound = o_.decimal_rel_tol * kInclusive * std::fabs(r->to_double());
      return bound > 0 && std::isfinite(bound) && within(c * Ball::of(d), cv, bound);
    };
    auto within_scale = [&](const Ball& v) {
      double lo = INFINITY, hi = -INFINITY, nearest = INFINITY;
      const double vd = v.to_double();
      for (int k : points) {
        const double a = ball_at(as, k).to_double();
        lo = std::min(lo, a);
        hi = std::max(hi, a);
        nearest = std::min(nearest, std::fabs(a - vd));
      }
      const double scale = std::max(hi - lo, nearest);
      return scale > 0 &&
             (std::isinf(scale) || within(Ball::of(d), v, o_.decimal_rel_tol * kInclusive * scale));
    };
    if (exact) {
      auto A = [&](int k) -> const BigRational& { return exact_value(as, as.point(k)); };
      auto F = [&](int k) -> const BigRational& { return exact_value(other, other.point(k)); };
      for (size_t j = 1; j < points.size(); ++j) {
        const int p0 = points[0], pj = points[j];
        if (A(p0) == A(pj)) continue;
        const BigRational c = (F(p0) - F(pj)) / (A(p0) - A(pj));
        if (c == 0) return false;
        const BigRational cv = c * A(p0) - F(p0);
        for (int k : points)
          if (F(k) != c * A(k) - cv) return false;
        const BigRational v = cv / c;
        return rounds_to(d, v, places) && exact_close(d, v, o_.decimal_rel_tol) &&
               within_scale(Ball::of(v)) && close_to_r(Ball::of(c), Ball::of(cv));
      }
      return false;  // A is one constant at every point
    }
    for (size_t j = 1; j < points.size(); ++j) {
      const int p0 = points[0], pj = points[j];
      const Ball gap = ball_at(as, p0) - ball_at(as, pj);
      if (!gap.known() || gap.contains_zero()) continue;
      const Ball c = (ball_at(other, p0) - ball_at(other, pj)) / gap;
      if (!c.known() || c.contains_zero()) return false;
      const Ball cv = c * ball_at(as, p0) - ball_at(other, p0);
      for (int k : points) {
        if (compare_balls(ball_at(other, k), c * ball_at(as, k) - cv, o_.numeric_rel_tol) !=
            BallOrder::Equal)
          return false;
      }
      const Ball v = cv / c;
      return places <= 300 && within(Ball::of(d), v, std::pow(10.0, -places) * kInclusive) &&
             compare_balls(Ball::of(d), v, o_.decimal_rel_tol) == BallOrder::Equal &&
             within_scale(v) && close_to_r(c, cv);
    }
    return false;
  }

  const CompareOptions& o_;
  int calls_ = 0;
};

}  // namespace

CompareResult compare_values(const MathValue& gold, const MathValue& pred,
                             const CompareOptions& options) {
  return Comparer(options).equal(gold, pred);
}

}  // namespace r1
