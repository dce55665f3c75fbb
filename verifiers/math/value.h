// The structure of a normalised math answer: a scalar expression, an equation, a tuple or
// interval ("(1, 2]"), a set ("\{1, 2\}"), a bare list of solutions ("1, 2"), a union of
// intervals, a matrix, or plain text ("\text{Evelyn}"). "a \pm b" becomes the list {a+b, a-b}.
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
  Equation,  // root is lhs - rhs
  Tuple,     // ordered; open/close brackets matter (intervals)
  Set,       // unordered: \{...\} or a union of intervals
  List,      // unordered: a bare comma list or a \pm expansion
  Matrix,    // items are rows (each a Tuple with open '[')
  Text,
};
const char* value_kind_name(ValueKind k);

struct MathValue {
  ValueKind kind = ValueKind::Scalar;
  std::shared_ptr<ExprTree> tree;  // Scalar, Equation
  int root = -1;
  std::vector<MathValue> items;  // Tuple, Set, List, Matrix
  char open = 0, close = 0;      // Tuple brackets
  std::string text;              // Text: its comparison key
};

struct ValueParse {
  std::optional<MathValue> value;
  std::string error;  // why it did not parse, when value is empty
};

constexpr size_t kMaxValueItems = 32;

ValueParse parse_math_value(std::string_view normalized);

}  // namespace r1
