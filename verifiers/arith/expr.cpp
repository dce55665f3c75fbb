#include "verifiers/arith/expr.h"

#include <algorithm>

namespace r1 {

int ExprTree::number(BigRational value, int decimal_places) {
  numbers_.push_back(std::move(value));
  decimal_places_.push_back(decimal_places);
  nodes_.push_back({Op::Number, -1, -1, static_cast<int>(numbers_.size() - 1)});
  return static_cast<int>(nodes_.size() - 1);
}

int ExprTree::var(const std::string& name) {
  names_.push_back(name);
  nodes_.push_back({Op::Var, -1, -1, static_cast<int>(names_.size() - 1)});
  return static_cast<int>(nodes_.size() - 1);
}

int ExprTree::leaf(Op op) {
  nodes_.push_back({op, -1, -1, -1});
  return static_cast<int>(nodes_.size() - 1);
}

int ExprTree::unary(Op op, int a) {
  nodes_.push_back({op, a, -1, -1});
  return static_cast<int>(nodes_.size() - 1);
}

int ExprTree::binary(Op op, int a, int b) {
  nodes_.push_back({op, a, b, -1});
  return static_cast<int>(nodes_.size() - 1);
}

int ExprTree::func(const std::string& name, int arg) {
  names_.push_back(name);
  nodes_.push_back({Op::Func, arg, -1, static_cast<int>(names_.size() - 1)});
  return static_cast<int>(nodes_.size() - 1);
}

std::vector<bool> ExprTree::reachable(int root) const {
  std::vector<bool> r(nodes_.size(), false);
  if (root < 0) return r;
  r[root] = true;
  // Children have smaller indices, so one backward sweep marks everything under root.
  for (int i = root; i >= 0; --i) {
    if (!r[i]) continue;
    if (nodes_[i].a >= 0) r[nodes_[i].a] = true;
    if (nodes_[i].b >= 0) r[nodes_[i].b] = true;
  }
  return r;
}

bool ExprTree::has_decimal(int root) const {
  auto r = reachable(root);
  for (int i = 0; i <= root; ++i) {
    if (r[i] && nodes_[i].op == Op::Number && decimal_places_[nodes_[i].index] >= 0) return true;
  }
  return false;
}

int ExprTree::lone_decimal_places(int root, bool capped) const {
  int i = root;
  while (i >= 0 && nodes_[i].op == Op::Neg) i = nodes_[i].a;
  if (i < 0) return -1;
  // Scientific notation, d x 10^k ("1.0000005e6" normalises so): as precise as d with its point
  // moved, places(d) - k and at least 0. Read as a product it would escape the rounding rule
  // (1.0000005e6 is within 1e-6 of 1000000).
  if (nodes_[i].op == Op::Mul) {
    const ExprNode& m = nodes_[i];
    const int d = m.a, pw = m.b;
    if (nodes_[d].op != Op::Number || decimal_places_[nodes_[d].index] < 0) return -1;
    if (nodes_[pw].op != Op::Pow) return -1;
    const ExprNode& base = nodes_[nodes_[pw].a];
    if (base.op != Op::Number || numbers_[base.index] != BigRational(10)) return -1;
    int e = nodes_[pw].b, sign = 1;
    if (nodes_[e].op == Op::Neg) sign = -1, e = nodes_[e].a;
    if (nodes_[e].op != Op::Number || decimal_places_[nodes_[e].index] >= 0) return -1;
    const BigRational& k = numbers_[nodes_[e].index];
    if (denominator(k) != 1 || k > (capped ? 30 : 400)) return -1;
    const int places = decimal_places_[nodes_[d].index] - sign * static_cast<int>(numerator(k));
    // Past 30 places (1.41421356e-30) the rounding rule does not apply (compare.cpp): such a
    // value stays a product, judged by the relative tolerance alone, as before.
    return places > 30 && capped ? -1 : std::max(places, 0);
  }
  if (nodes_[i].op != Op::Number) return -1;
  return decimal_places_[nodes_[i].index];
}

bool ExprTree::contains(int root, Op op) const {
  auto r = reachable(root);
  for (int i = 0; i <= root; ++i) {
    if (r[i] && nodes_[i].op == op) return true;
  }
  return false;
}

std::vector<std::string> ExprTree::variables(int root) const {
  auto r = reachable(root);
  std::vector<std::string> out;
  for (int i = 0; i <= root; ++i) {
    if (!r[i] || nodes_[i].op != Op::Var) continue;
    const std::string& n = names_[nodes_[i].index];
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

std::vector<BigRational> ExprTree::literals(int root) const {
  auto r = reachable(root);
  std::vector<BigRational> out;
  // Parsers create number nodes in source order.
  for (int i = 0; i <= root; ++i) {
    if (r[i] && nodes_[i].op == Op::Number) out.push_back(numbers_[nodes_[i].index]);
  }
  return out;
}

int ExprTree::infinity_sign(int root) const {
  int sign = 1;
  int i = root;
  while (i >= 0) {
    const ExprNode& n = nodes_[i];
    if (n.op == Op::Infinity) return sign;
    if (n.op != Op::Neg) return 0;
    sign = -sign;
    i = n.a;
  }
  return 0;
}

namespace {

const char* op_symbol(Op op) {
  switch (op) {
    case Op::Add:
      return "+";
    case Op::Sub:
      return "-";
    case Op::Mul:
      return "*";
    case Op::Div:
      return "/";
    case Op::Pow:
      return "^";
    default:
      return "?";
  }
}

}  // namespace

std::string ExprTree::to_string(int root) const {
  if (root < 0) return "";
  // Bottom-up with full parentheses; only used for short details strings, and trees are
  // bounded by the parsers' node limits.
  std::vector<std::string> s(root + 1);
  auto r = reachable(root);
  for (int i = 0; i <= root; ++i) {
    if (!r[i]) continue;
    const ExprNode& n = nodes_[i];
    switch (n.op) {
      case Op::Number:
        s[i] = r1::to_string(numbers_[n.index]);
        break;
      case Op::Var:
        s[i] = names_[n.index];
        break;
      case Op::Pi:
        s[i] = "pi";
        break;
      case Op::E:
        s[i] = "e";
        break;
      case Op::Infinity:
        s[i] = "inf";
        break;
      case Op::Neg:
        s[i] = "-(" + s[n.a] + ")";
        break;
      case Op::Factorial:
        s[i] = "(" + s[n.a] + ")!";
        break;
      case Op::Func:
        s[i] = names_[n.index] + "(" + s[n.a] + ")";
        break;
      case Op::Binom:
        s[i] = "binom(" + s[n.a] + "," + s[n.b] + ")";
        break;
      default:
        s[i] = "(" + s[n.a] + op_symbol(n.op) + s[n.b] + ")";
        break;
    }
    if (s[i].size() > 4096) s[i] = s[i].substr(0, 4096) + "...";
  }
  return s[root];
}

}  // namespace r1
