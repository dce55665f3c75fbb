// Parses plain arithmetic: numbers, + - * / ^ and parentheses (the Unicode signs × ÷ · ⋅ −
// are accepted too). No letters; implicit multiplication only next to a bracket, and only
// when asked. Used for countdown answers and
// for the arithmetic claims the step verifier checks. Bounded in length, depth and node count
// so that hostile input fails fast instead of exhausting the stack.
#pragma once
#include <string>
#include <string_view>

#include "verifiers/arith/expr.h"

namespace r1 {

struct PlainParseOptions {
  bool allow_unary = true;       // leading + / - on a factor
  bool allow_pow = true;         // a ^ b
  bool allow_decimals = true;    // 3.25
  bool allow_thousands = false;  // 1,234,567 (groups of exactly three digits)
  // 2(3), (2)(3), (2)3 multiply, as '*' does; "2 3" stays an error. Across spaces ("x^2 (y)",
  // "(2) 6") only with implicit_product_across_spaces: LaTeX ignores spaces, prose does not
  // ("Case (2) 6*6" is an enumeration).
  bool allow_implicit_product = false;
  bool implicit_product_across_spaces = false;
  size_t max_length = 4000;
  int max_depth = 100;  // nested parentheses
  int max_nodes = 2000;
  int max_literal_digits = 1000;
};

struct ParsedExpr {
  ExprTree tree;
  int root = -1;
  std::string error;  // empty on success
  size_t error_pos = 0;
  bool ok() const { return root >= 0 && error.empty(); }
};

ParsedExpr parse_plain(std::string_view text, const PlainParseOptions& options = {});

}  // namespace r1
