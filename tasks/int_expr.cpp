#include "tasks/int_expr.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "tasks/solution.h"

namespace r1 {

IntExprPtr IntExpr::number(int64_t v) {
  auto e = std::make_shared<IntExpr>();
  e->value = v;
  return e;
}

IntExprPtr IntExpr::binary(char op, IntExprPtr l, IntExprPtr r) {
  auto e = std::make_shared<IntExpr>();
  e->op = op;
  e->lhs = std::move(l);
  e->rhs = std::move(r);
  return e;
}

namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  IntExprPtr parse() {
    IntExprPtr e = sum();
    skip();
    if (i_ != s_.size()) error("unexpected character");
    return e;
  }

 private:
  [[noreturn]] void error(const char* what) {
    fail("expression '", s_, "': ", what, " at offset ", i_);
  }
  void skip() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  IntExprPtr sum() {
    IntExprPtr e = product();
    for (skip(); i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-'); skip()) {
      char op = s_[i_++];
      e = IntExpr::binary(op, e, product());
    }
    return e;
  }
  IntExprPtr product() {
    IntExprPtr e = atom();
    for (skip(); i_ < s_.size() && (s_[i_] == '*' || s_[i_] == '/'); skip()) {
      char op = s_[i_++];
      e = IntExpr::binary(op, e, atom());
    }
    return e;
  }
  IntExprPtr atom() {
    skip();
    if (i_ < s_.size() && s_[i_] == '(') {
      ++i_;
      IntExprPtr e = sum();
      skip();
      if (i_ >= s_.size() || s_[i_] != ')') error("missing ')'");
      ++i_;
      return e;
    }
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) {
      error("expected a number");
    }
    int64_t v = 0;
    for (int digits = 0; i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])); ++i_) {
      if (++digits > 15) error("number too long");
      v = v * 10 + (s_[i_] - '0');
    }
    return IntExpr::number(v);
  }

  const std::string& s_;
  size_t i_ = 0;
};

int precedence(char op) {
  return op == '+' || op == '-' ? 1 : op == '*' || op == '/' ? 2 : 3;
}

}  // namespace

IntExprPtr parse_int_expr(const std::string& text) {
  return Parser(text).parse();
}

std::string to_string(const IntExpr& e) {
  if (e.op == 0) return std::to_string(e.value);
  int p = precedence(e.op);
  std::string l = to_string(*e.lhs), r = to_string(*e.rhs);
  if (precedence(e.lhs->op) < p) l = cat("(", l, ")");
  // On the right, an equal-precedence child needs parentheses under - and / (a-(b-c)), and a
  // division under * keeps them too so the printed order matches the tree's steps.
  int rp = precedence(e.rhs->op);
  bool paren_r = rp < p || (rp == p && (e.op == '-' || e.op == '/' || e.rhs->op == '/'));
  if (paren_r) r = cat("(", r, ")");
  return l + e.op + r;
}

namespace {
// The operands of the chain of `op` that e heads: a+b+c's are a, b and c.
void chain_operands(const IntExpr& e, char op, std::vector<std::string>* out) {
  if (e.op == op) {
    chain_operands(*e.lhs, op, out);
    chain_operands(*e.rhs, op, out);
  } else {
    out->push_back(canonical_text(e));
  }
}
}  // namespace

std::string canonical_text(const IntExpr& e) {
  if (e.op == 0) return std::to_string(e.value);
  if (e.op == '+' || e.op == '*') {
    std::vector<std::string> parts;
    chain_operands(e, e.op, &parts);
    std::sort(parts.begin(), parts.end());
    std::string out = "(";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(1, e.op) : "") + parts[i];
    return out + ")";
  }
  return cat("(", canonical_text(*e.lhs), e.op, canonical_text(*e.rhs), ")");
}

Rational evaluate(const IntExpr& e) {
  if (e.op == 0) return Rational(e.value);
  Rational l = evaluate(*e.lhs), r = evaluate(*e.rhs);
  switch (e.op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    default:
      return l / r;
  }
}

int64_t evaluate_steps(const IntExpr& e, std::vector<std::string>* lines) {
  if (e.op == 0) return e.value;
  int64_t l = evaluate_steps(*e.lhs, lines);
  int64_t r = evaluate_steps(*e.rhs, lines);
  Rational v = evaluate(*IntExpr::binary(e.op, IntExpr::number(l), IntExpr::number(r)));
  if (!v.is_integer()) fail("expression '", to_string(e), "': inexact division ", l, "/", r);
  lines->push_back(claim(l, e.op, r, v.num));
  return v.num;
}

void leaves(const IntExpr& e, std::vector<int64_t>* out) {
  if (e.op == 0) {
    out->push_back(e.value);
    return;
  }
  leaves(*e.lhs, out);
  leaves(*e.rhs, out);
}

}  // namespace r1
