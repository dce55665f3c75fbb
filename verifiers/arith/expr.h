// A small expression tree shared by the math, countdown and step verifiers. Nodes live in one
// vector and a node's children always have smaller indices than the node itself (parsers build
// bottom-up), so evaluation is a forward loop: no recursion, whatever the input's shape.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "verifiers/arith/rational.h"

namespace r1 {

enum class Op : uint8_t {
  Number,  // index -> numbers
  Var,     // index -> names ("x", "a_1", "\alpha")
  Pi,
  E,  // Euler's number (only where a parser decides 'e' means it)
  Infinity,
  Neg,        // a
  Add,        // a + b
  Sub,        // a - b
  Mul,        // a * b
  Div,        // a / b
  Pow,        // a ^ b
  Func,       // index -> names (function name), a = argument
  Factorial,  // a!
  Binom,      // C(a, b)
};

struct ExprNode {
  Op op;
  int a = -1;
  int b = -1;
  int index = -1;
};

class ExprTree {
 public:
  // decimal_places: -1 for a literal written without a decimal point, else the digits after it
  // ("2.50" -> 2), which says how precise the writer claims to be.
  int number(BigRational value, int decimal_places);
  int var(const std::string& name);
  int leaf(Op op);
  int unary(Op op, int a);
  int binary(Op op, int a, int b);
  int func(const std::string& name, int arg);

  const ExprNode& node(int i) const { return nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  const BigRational& number_value(int i) const { return numbers_[nodes_[i].index]; }
  const std::string& name(int i) const { return names_[nodes_[i].index]; }

  // Facts about the subtree under `root` (only reachable nodes count).
  std::vector<bool> reachable(int root) const;
  bool has_decimal(int root) const;
  // The decimal places of a lone decimal literal (optionally negated), or of a decimal in
  // scientific notation (d * 10^k: places(d) - k, at least 0), else -1. capped: -1 also past
  // 30 places (where the rounding rule does not apply).
  int lone_decimal_places(int root, bool capped = true) const;
  // Variable names in first-appearance order, without duplicates.
  std::vector<std::string> variables(int root) const;
  // Number literals in source order (countdown checks the multiset).
  std::vector<BigRational> literals(int root) const;
  // +1 for +infinity, -1 for -infinity, 0 when the subtree is not a lone infinity.
  int infinity_sign(int root) const;
  bool contains(int root, Op op) const;
  // A readable infix form, for verdict details.
  std::string to_string(int root) const;

 private:
  std::vector<ExprNode> nodes_;
  std::vector<BigRational> numbers_;
  std::vector<int> decimal_places_;
  std::vector<std::string> names_;
};

}  // namespace r1
