// The structure of a normalised math answer: a scalar expression, an equation, a tuple or
// interval ("(1, 2]"), a set ("\{1, 2\}"), a bare list of solutions ("1, 2"), a union of
// intervals, a matrix, an inequality or a chain of them ("x \geq 5", "-2 < x \le 3"), or plain
// text ("\text{Evelyn}"). "a \pm b" becomes the list {a+b, a-b}.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifiers/arith/expr.h"

namespace r1 {

enum class ValueKind {
  Scalar,
  Equation,  // root is lhs - rhs; items are [lhs, rhs] when each parses as a scalar
  Tuple,     // ordered; open/close brackets matter (intervals)
  Set,       // unordered: \{...\} or a union of intervals
  List,      // unordered: a bare comma list or a \pm expansion
  Matrix,    // items are rows (each a Tuple with open '[')
  Relation,  // an inequality or a chain of them: items are the sides, rel_ops between them
  Text,
};

// Relations are stored with the smaller side first: "x > 5" is "5 < x", "x \geq 5" is
// "5 \leq x", so equal relations have equal forms.
enum class RelOp : uint8_t { Less, LessEq, NotEq };
const char* value_kind_name(ValueKind k);

struct MathValue {
  ValueKind kind = ValueKind::Scalar;
  std::shared_ptr<ExprTree> tree;  // Scalar, Equation
  int root = -1;
  std::vector<MathValue> items;  // Tuple, Set, List, Matrix
  char open = 0, close = 0;      // Tuple brackets
  std::string text;              // Text: its comparison key
  std::vector<RelOp> rel_ops;    // Relation: between items[i] and items[i + 1]
  // Relation in one variable ("x \geq 5", "-2 < x \leq 3", "x \ne 1"): the same set as
  // intervals ("[5, \infty)"), so an interval answer can be compared with it.
  std::shared_ptr<const MathValue> as_intervals;
};

struct ValueParse {
  std::optional<MathValue> value;
  std::string error;  // why it did not parse, when value is empty
};

constexpr size_t kMaxValueItems = 32;

// `assignments_are_values`: "x = 2" (a lone variable the other side does not use) is the value
// 2. False keeps it the equation it is written as (the verifier's reading of an answer solved
// for one letter of a gold equation).
ValueParse parse_math_value(std::string_view normalized, bool assignments_are_values = true);

}  // namespace r1
