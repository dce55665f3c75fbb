#include "verifiers/arith/numeric_eval.h"

#include <muParser.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace r1 {

namespace {

double fn_sec(double x) {
  return 1.0 / std::cos(x);
}
double fn_csc(double x) {
  return 1.0 / std::sin(x);
}
double fn_cot(double x) {
  return std::cos(x) / std::sin(x);
}
double fn_fact(double x) {
  return x < 0 || x > 200 ? NAN : std::tgamma(x + 1.0);
}
double fn_binom(double n, double k) {
  if (n > 1000 || k < 0 || k > n) return n > 1000 ? NAN : 0.0;
  return std::round(std::exp(std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1)));
}

// One muParser per thread, with the variables and our extra functions defined once.
struct ThreadParser {
  mu::Parser parser;
  double vars[kMaxNumericVars] = {};
  std::string current;
  bool ok = false;

  ThreadParser() {
    for (size_t i = 0; i < kMaxNumericVars; ++i) {
      parser.DefineVar("v" + std::to_string(i), &vars[i]);
    }
    parser.DefineFun("sec", fn_sec);
    parser.DefineFun("csc", fn_csc);
    parser.DefineFun("cot", fn_cot);
    parser.DefineFun("fact", fn_fact);
    parser.DefineFun("binom", fn_binom);
  }
};

ThreadParser& thread_parser() {
  thread_local ThreadParser p;
  return p;
}

void append_number(const BigRational& r, std::string& out) {
  if (rational_bits(r) <= 60) {
    const BigInt& n = boost::multiprecision::numerator(r);
    const BigInt& d = boost::multiprecision::denominator(r);
    if (d == 1) {
      out += n < 0 ? "(" + n.str() + ")" : n.str();
    } else {
      out += "(" + n.str() + "/" + d.str() + ")";
    }
    return;
  }
  double v = to_double(r);
  char buf[64];
  if (std::isinf(v))
    std::snprintf(buf, sizeof buf, "(%s1e300*1e300)", v < 0 ? "-" : "");
  else
    std::snprintf(buf, sizeof buf, "(%.17g)", v);
  out += buf;
}

bool emit(const ExprTree& t, int i, const std::vector<std::string>& vars, int depth,
          std::string& out) {
  if (depth > 400 || out.size() > 100000) return false;
  const ExprNode& n = t.node(i);
  auto bin = [&](const char* op) {
    out += '(';
    if (!emit(t, n.a, vars, depth + 1, out)) return false;
    out += op;
    if (!emit(t, n.b, vars, depth + 1, out)) return false;
    out += ')';
    return true;
  };
  switch (n.op) {
    case Op::Number:
      append_number(t.number_value(i), out);
      return true;
    case Op::Var: {
      auto it = std::find(vars.begin(), vars.end(), t.name(i));
      if (it == vars.end() || it - vars.begin() >= static_cast<long>(kMaxNumericVars)) return false;
      out += "v" + std::to_string(it - vars.begin());
      return true;
    }
    case Op::Pi:
      out += "_pi";
      return true;
    case Op::E:
      out += "_e";
      return true;
    case Op::Infinity:
      return false;
    case Op::Neg:
      out += "(-";
      if (!emit(t, n.a, vars, depth + 1, out)) return false;
      out += ')';
      return true;
    case Op::Add:
      return bin("+");
    case Op::Sub:
      return bin("-");
    case Op::Mul:
      return bin("*");
    case Op::Div:
      return bin("/");
    case Op::Pow:
      return bin("^");
    case Op::Factorial:
      out += "fact(";
      if (!emit(t, n.a, vars, depth + 1, out)) return false;
      out += ')';
      return true;
    case Op::Binom:
      out += "binom(";
      if (!emit(t, n.a, vars, depth + 1, out)) return false;
      out += ',';
      if (!emit(t, n.b, vars, depth + 1, out)) return false;
      out += ')';
      return true;
    case Op::Func: {
      static const char* const kKnown[] = {
          "sin",  "cos", "tan",   "sec",  "csc", "cot",  "asin", "acos",  "atan",  "sinh", "cosh",
          "tanh", "ln",  "log10", "log2", "exp", "sqrt", "abs",  "asinh", "acosh", "atanh"};
      const std::string& f = t.name(i);
      if (std::find(std::begin(kKnown), std::end(kKnown), f) == std::end(kKnown)) return false;
      out += f;
      out += '(';
      if (!emit(t, n.a, vars, depth + 1, out)) return false;
      out += ')';
      return true;
    }
  }
  return false;
}

}  // namespace

bool to_muparser(const ExprTree& tree, int root, const std::vector<std::string>& vars,
                 std::string* out) {
  out->clear();
  if (root < 0) return false;
  return emit(tree, root, vars, 0, *out);
}

bool eval_muparser(const std::string& expr, size_t nvars,
                   const std::vector<std::vector<double>>& points, std::vector<double>* values) {
  if (nvars > kMaxNumericVars) return false;
  ThreadParser& tp = thread_parser();
  values->clear();
  try {
    if (expr != tp.current || !tp.ok) {
      tp.current = expr;
      tp.ok = false;
      tp.parser.SetExpr(expr);
      tp.ok = true;
    }
    for (const auto& p : points) {
      for (size_t i = 0; i < nvars && i < p.size(); ++i) tp.vars[i] = p[i];
      double v = tp.parser.Eval();
      values->push_back(std::isfinite(v) ? v : (std::isinf(v) ? v : NAN));
    }
    return true;
  } catch (const mu::Parser::exception_type&) {
    tp.ok = false;
    tp.current.clear();
    return false;
  } catch (...) {
    tp.ok = false;
    tp.current.clear();
    return false;
  }
}

bool eval_numeric(const ExprTree& tree, int root, const std::vector<std::string>& vars,
                  const std::vector<std::vector<double>>& points, std::vector<double>* values) {
  std::string text;
  if (!to_muparser(tree, root, vars, &text)) return false;
  return eval_muparser(text, vars.size(), points, values);
}

}  // namespace r1
