// Binary expression trees over integers with + - * /, shared by the arith and countdown
// families: parse, print with the fewest parentheses that keep the tree's meaning, evaluate
// exactly, and write one claim line per operation for worked solutions.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tasks/rational.h"

namespace r1 {

struct IntExpr;
using IntExprPtr = std::shared_ptr<const IntExpr>;

struct IntExpr {
  char op = 0;        // '+', '-', '*', '/', or 0 for a number
  int64_t value = 0;  // the number when op == 0
  IntExprPtr lhs, rhs;

  static IntExprPtr number(int64_t v);
  static IntExprPtr binary(char op, IntExprPtr l, IntExprPtr r);
};

// Parses non-negative integers, + - * /, parentheses and spaces; throws naming `text` and
// the offset on anything else.
IntExprPtr parse_int_expr(const std::string& text);

// "12+7*8-5", "(15-7)*3": parentheses only where precedence or order needs them.
std::string to_string(const IntExpr& e);

// Fully parenthesised, with the terms of each sum and the factors of each product sorted: equal
// for "47+38" and "38+47", or "12+7*8" and "8*7+12" (a problem key, tasks/holdout.h).
std::string canonical_text(const IntExpr& e);

Rational evaluate(const IntExpr& e);  // throws on division by zero

// Evaluates in the order a person would (post-order: operands, then the operation) and
// appends one claim line per operation ("7*8 = 56"). Division must be exact; intermediate
// values are integers.
int64_t evaluate_steps(const IntExpr& e, std::vector<std::string>* lines);

// The numbers at the leaves, left to right.
void leaves(const IntExpr& e, std::vector<int64_t>* out);

}  // namespace r1
