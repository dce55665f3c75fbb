#include "verifiers/math/compare.h"

#include <array>
#include <cmath>
#include <optional>

#include "core/rng.h"
#include "verifiers/arith/exact_eval.h"
#include "verifiers/arith/numeric_eval.h"

namespace r1 {

namespace {

constexpr int kPoints = 6;

// What a scalar side evaluates to, computed once per item (set matching compares many pairs).
struct Summary {
  ExactResult exact;
  bool decimal = false;
  int lone_places = -1;  // decimal places when the side is one decimal literal ("0.333")
  int inf_sign = 0;
  bool has_inf = false;
  bool numeric_tried = false;
  bool numeric_ok = false;
  bool has_vars = false;
  std::array<double, kPoints> values{};
};

// The value of variable `name` at point k: a function of the name only, so both sides see the
// same values without agreeing on an order. Magnitudes in [0.5, 2.5]; later points are
// negative too, so sqrt(x^2) and x differ.
double var_value(const std::string& name, int k) {
  Rng rng(hash64(name), static_cast<uint64_t>(k));
  double mag = 0.5 + 2.0 * rng.uniform();
  // Point kPoints/2 is negative for every variable, so odd and even functions always differ.
  bool negative = k == kPoints / 2 || (k > kPoints / 2 && rng.bernoulli(0.5));
  return negative ? -mag : mag;
}

Summary summarize(const MathValue& v) {
  Summary s;
  const ExprTree& t = *v.tree;
  s.has_inf = t.contains(v.root, Op::Infinity);
  s.inf_sign = t.infinity_sign(v.root);
  s.decimal = t.has_decimal(v.root);
  s.lone_places = t.lone_decimal_places(v.root);
  if (!s.has_inf) s.exact = eval_exact(t, v.root);
  return s;
}

void ensure_numeric(const MathValue& v, Summary& s) {
  if (s.numeric_tried) return;
  s.numeric_tried = true;
  if (s.has_inf) return;
  std::vector<std::string> vars = v.tree->variables(v.root);
  if (vars.size() > kMaxNumericVars) return;
  s.has_vars = !vars.empty();
  std::vector<std::vector<double>> points(s.has_vars ? kPoints : 1,
                                          std::vector<double>(vars.size()));
  for (size_t k = 0; k < points.size(); ++k) {
    for (size_t i = 0; i < vars.size(); ++i) points[k][i] = var_value(vars[i], static_cast<int>(k));
  }
  std::vector<double> vals;
  if (!eval_numeric(*v.tree, v.root, vars, points, &vals)) return;
  for (size_t k = 0; k < kPoints; ++k) s.values[k] = vals[k < vals.size() ? k : 0];
  s.numeric_ok = true;
}

bool close(double a, double b, double rel_tol) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  double scale = std::max({1e-12, std::fabs(a), std::fabs(b)});
  return std::fabs(a - b) <= rel_tol * scale;
}

// A lone decimal literal with k places claims the value to k places: it must be the other side
// rounded or truncated to k places (within one unit in the last place), so 1000000.5 is not
// 1000000 however small the relative difference. `within(k)` tests |gold - pred| <= 10^-k.
// Compound expressions with decimals ("2.5x") are judged by the relative tolerance alone.
template <typename Within>
bool rounding_ok(const Summary& g, const Summary& p, Within within) {
  if (p.lone_places < 0 && g.lone_places < 0) return true;
  if (p.lone_places >= 0 && p.lone_places <= 30 && within(p.lone_places)) return true;
  if (g.lone_places >= 0 && g.lone_places <= 30 && within(g.lone_places)) return true;
  return false;
}

CompareResult scalar_equal(const MathValue& gv, Summary& g, const MathValue& pv, Summary& p,
                           const CompareOptions& o) {
  if (g.has_inf || p.has_inf) {
    bool eq = g.inf_sign != 0 && g.inf_sign == p.inf_sign;
    return {eq, "infinity"};
  }
  bool decimal = g.decimal || p.decimal;
  if (g.exact.ok() && p.exact.ok()) {
    if (g.exact.value == p.exact.value) return {true, "exact"};
    if (!decimal) return {false, "exact"};
    bool eq = close(to_double(g.exact.value), to_double(p.exact.value), o.decimal_rel_tol) &&
              rounding_ok(g, p, [&](int places) {
                BigRational diff = g.exact.value - p.exact.value;
                if (diff < 0) diff = -diff;
                BigInt scale =
                    boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(places));
                return diff * BigRational(scale) <= 1;
              });
    return {eq, "decimal_tolerance"};
  }
  if (g.exact.status == ExactStatus::DivisionByZero ||
      p.exact.status == ExactStatus::DivisionByZero) {
    return {false, "division_by_zero"};
  }
  ensure_numeric(gv, g);
  ensure_numeric(pv, p);
  if (!g.numeric_ok || !p.numeric_ok) return {false, "not_evaluable"};
  double tol = decimal ? o.decimal_rel_tol : o.numeric_rel_tol;
  int n = (g.has_vars || p.has_vars) ? kPoints : 1;
  int valid = 0;
  for (int k = 0; k < n; ++k) {
    bool gn = std::isnan(g.values[k]), pn = std::isnan(p.values[k]);
    if (gn && pn) continue;  // outside both domains
    if (gn != pn) return {false, "numeric"};
    if (!close(g.values[k], p.values[k], tol)) return {false, "numeric"};
    if (decimal && n == 1 && !rounding_ok(g, p, [&](int places) {
          return std::fabs(g.values[0] - p.values[0]) <= std::pow(10.0, -places) * (1 + 1e-9);
        })) {
      return {false, "decimal_rounding"};
    }
    ++valid;
  }
  int needed = n == 1 ? 1 : 2;
  if (valid < needed) return {false, "numeric_undefined"};
  return {true, "numeric"};
}

class Comparer {
 public:
  explicit Comparer(const CompareOptions& o) : o_(o) {}

  CompareResult equal(const MathValue& g, const MathValue& p) {
    if (++calls_ > 4096) return {false, "too_complex"};
    using K = ValueKind;
    if (g.kind == K::Scalar && p.kind == K::Scalar) {
      Summary gs = summarize(g), ps = summarize(p);
      return scalar_equal(g, gs, p, ps, o_);
    }
    if (g.kind == K::Text || p.kind == K::Text) {
      return {g.kind == p.kind && g.text == p.text, "text"};
    }
    if (g.kind == K::Equation && p.kind == K::Equation) return equations(g, p);
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
    bool g_unordered = g.kind == K::Set || g.kind == K::List;
    bool p_unordered = p.kind == K::Set || p.kind == K::List || p.kind == K::Tuple;
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
          eq = scalar_equal(g.items[i], *gs[i], p.items[j], *ps[j], o_).equal;
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

  // f = 0 and g = 0 are the same equation when f = c * g for a constant c != 0.
  CompareResult equations(const MathValue& g, const MathValue& p) {
    Summary gs = summarize(g), ps = summarize(p);
    ensure_numeric(g, gs);
    ensure_numeric(p, ps);
    if (!gs.numeric_ok || !ps.numeric_ok) return {false, "not_evaluable"};
    if (!gs.has_vars && !ps.has_vars) return {false, "equation_without_variables"};
    std::optional<double> ratio;
    int valid = 0;
    for (int k = 0; k < kPoints; ++k) {
      double a = gs.values[k], b = ps.values[k];
      if (std::isnan(a) && std::isnan(b)) continue;
      if (std::isnan(a) != std::isnan(b)) return {false, "equation"};
      bool az = std::fabs(a) < 1e-12, bz = std::fabs(b) < 1e-12;
      if (az || bz) {
        if (az != bz) return {false, "equation"};
        continue;
      }
      double r = a / b;
      if (!ratio)
        ratio = r;
      else if (!close(*ratio, r, o_.numeric_rel_tol * 100))
        return {false, "equation"};
      ++valid;
    }
    return {valid >= 2, "equation"};
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
