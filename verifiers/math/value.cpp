#include "verifiers/math/value.h"

#include <algorithm>

#include "verifiers/completion.h"
#include "verifiers/math/latex_parser.h"
#include "verifiers/math/normalize.h"

namespace r1 {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_open(char c) {
  return c == '(' || c == '[' || c == '{';
}
bool is_close(char c) {
  return c == ')' || c == ']' || c == '}';
}

// Splits at top-level occurrences of `sep` (brackets of any kind nest; interval ends may
// mismatch, so only depth is tracked). Returns false when brackets do not balance.
bool split_top(std::string_view s, std::string_view sep, std::vector<std::string_view>* parts) {
  parts->clear();
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      depth += s[i + 1] == '{' ? 1 : -1;
      ++i;
      continue;
    }
    if (is_open(c))
      ++depth;
    else if (is_close(c))
      --depth;
    if (depth < 0) return false;
    if (depth == 0 && s.compare(i, sep.size(), sep) == 0) {
      // A command separator must not be a prefix of a longer command ("\cup" vs "\cupdot").
      if (sep[0] == '\\' && i + sep.size() < s.size() && is_alpha(s[i + sep.size()])) continue;
      parts->push_back(trim(s.substr(start, i - start)));
      start = i + sep.size();
      i += sep.size() - 1;
    }
  }
  if (depth != 0) return false;
  parts->push_back(trim(s.substr(start)));
  return true;
}

// Index just past the bracket group opening at s[0] (or "\{" at s[0..1]); npos if unclosed.
size_t group_end(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      depth += s[i + 1] == '{' ? 1 : -1;
      ++i;
      if (depth == 0) return i + 1;
      continue;
    }
    if (is_open(c))
      ++depth;
    else if (is_close(c))
      --depth;
    if (depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

// Splits "a < b \leq c" at its top-level relation signs. ops get '<', 'l' (\leq), '>',
// 'g' (\geq) and '!' (\ne). False when there is none.
bool split_relations(std::string_view s, std::vector<std::string_view>* sides,
                     std::vector<char>* ops) {
  sides->clear();
  ops->clear();
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    size_t len = 0;
    char op = 0;
    if (c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] == '{' || s[i + 1] == '}') {
        depth += s[i + 1] == '{' ? 1 : -1;
        ++i;
        continue;
      }
      size_t e = i + 1;
      while (e < s.size() && is_alpha(s[e])) ++e;
      std::string_view cmd = s.substr(i + 1, e - i - 1);
      if (depth == 0) {
        if (cmd == "leq") op = 'l';
        if (cmd == "geq") op = 'g';
        if (cmd == "ne") op = '!';
        if (cmd == "lt") op = '<';
        if (cmd == "gt") op = '>';
      }
      if (!op) {
        i = e > i + 1 ? e - 1 : i + 1;
        continue;
      }
      len = e - i;
    } else if (is_open(c)) {
      ++depth;
      continue;
    } else if (is_close(c)) {
      --depth;
      continue;
    } else if (depth == 0 && (c == '<' || c == '>')) {
      op = c;
      len = 1;
    } else {
      continue;
    }
    sides->push_back(trim(s.substr(start, i - start)));
    ops->push_back(op);
    start = i + len;
    i += len - 1;
  }
  if (ops->empty()) return false;
  sides->push_back(trim(s.substr(start)));
  return true;
}

bool has_top_level(std::string_view s, std::string_view token) {
  std::vector<std::string_view> parts;
  return split_top(s, token, &parts) && parts.size() > 1;
}

// Words and simple punctuation only: a text answer rather than broken math.
bool looks_like_text(std::string_view s) {
  int letters = 0;
  for (char c : s) {
    if (is_alpha(c))
      ++letters;
    else if (c == '\\' || c == '^' || c == '_' || c == '{' || c == '}' || c == '=')
      return false;
  }
  return letters >= 2;
}

class ValueParser {
 public:
  explicit ValueParser(bool assignments_are_values)
      : assignments_are_values_(assignments_are_values) {}

  ValueParse parse(std::string_view s, int depth) {
    ValueParse out;
    s = trim(s);
    if (s.empty()) {
      out.error = "empty";
      return out;
    }
    if (depth > 6) {
      out.error = "too_deep";
      return out;
    }
    if (++calls_ > 200) {
      out.error = "too_complex";
      return out;
    }
    if (s.rfind("\\begin{", 0) == 0) return matrix(s, depth);
    if (s == "\\emptyset" || s == "\\varnothing" || s == "\\{\\}" || s == "\\{ \\}") {
      ValueParse out;
      out.value = MathValue{};
      out.value->kind = ValueKind::Set;
      return out;
    }
    // "\left[\begin{array}{cc} ... \end{array}\right]": brackets around a matrix are its own.
    if ((s[0] == '(' || s[0] == '[') && group_end(s) == s.size()) {
      std::string_view inner = trim(s.substr(1, s.size() - 2));
      if (inner.rfind("\\begin{", 0) == 0) return matrix(inner, depth);
    }

    std::vector<std::string_view> parts;
    if (!split_top(s, ",", &parts)) {
      // Unbalanced brackets cannot be math; they may still be text ("(a) first").
      return scalar(s);
    }
    // A union of intervals.
    std::vector<std::string_view> pieces;
    if (split_top(s, "\\cup", &pieces) && pieces.size() > 1) {
      return collection(pieces, ValueKind::Set, depth);
    }
    if (has_top_level(s, "\\approx")) return text(s);
    std::vector<std::string_view> rel_sides;
    std::vector<char> rel_ops;
    if (split_relations(s, &rel_sides, &rel_ops)) return relation(rel_sides, rel_ops, depth);
    std::vector<std::string_view> sides;
    if (parts.size() == 1 && split_top(s, "=", &sides)) {
      if (sides.size() == 2) return equation(sides[0], sides[1], depth);
      if (sides.size() > 2) return text(s);
    }

    // Enclosed in brackets: a set, a tuple or interval, or just a parenthesised scalar.
    size_t end = group_end(s);
    if (end == s.size()) {
      if (s.rfind("\\{", 0) == 0) {
        std::string_view inner = s.substr(2, s.size() - 4);
        if (s.size() < 4 || s.compare(s.size() - 2, 2, "\\}") != 0) return scalar(s);
        std::vector<std::string_view> items;
        if (!split_top(inner, ",", &items)) return fail("unbalanced");
        return collection(items, ValueKind::Set, depth);
      }
      if ((s[0] == '(' || s[0] == '[') && (s.back() == ')' || s.back() == ']')) {
        std::vector<std::string_view> items;
        if (split_top(s.substr(1, s.size() - 2), ",", &items) && items.size() >= 2) {
          ValueParse t = collection(items, ValueKind::Tuple, depth);
          if (t.value) {
            t.value->open = s[0];
            t.value->close = s.back();
          }
          return t;
        }
      }
    }
    if (parts.size() > 1) return collection(parts, ValueKind::List, depth);

    // "a \pm b": both solutions.
    for (const char* pm : {"\\pm", "\\mp"}) {
      size_t p = s.find(pm);
      if (p != std::string_view::npos && !(p + 3 < s.size() && is_alpha(s[p + 3]))) {
        std::string plus = std::string(s.substr(0, p)) + "+" + std::string(s.substr(p + 3));
        std::string minus = std::string(s.substr(0, p)) + "-" + std::string(s.substr(p + 3));
        ValueParse a = parse(plus, depth + 1), b = parse(minus, depth + 1);
        if (!a.value) return a;
        if (!b.value) return b;
        ValueParse out2;
        out2.value = MathValue{};
        out2.value->kind = ValueKind::List;
        out2.value->items.push_back(std::move(*a.value));
        out2.value->items.push_back(std::move(*b.value));
        return out2;
      }
    }
    return scalar(s);
  }

 private:
  ValueParse fail(std::string why) {
    ValueParse out;
    out.error = std::move(why);
    return out;
  }

  ValueParse text(std::string_view s) {
    ValueParse out;
    out.value = MathValue{};
    out.value->kind = ValueKind::Text;
    out.value->text = text_key(s);
    return out;
  }

  ValueParse scalar(std::string_view s) {
    ParsedExpr p = parse_latex(s);
    if (!p.ok()) {
      if (p.error == "text" || looks_like_text(s)) return text(s);
      return fail(p.error + " at byte " + std::to_string(p.error_pos));
    }
    ValueParse out;
    out.value = MathValue{};
    out.value->kind = ValueKind::Scalar;
    out.value->tree = std::make_shared<ExprTree>(std::move(p.tree));
    out.value->root = p.root;
    return out;
  }

  ValueParse equation(std::string_view lhs, std::string_view rhs, int depth) {
    // "x = 2" inside a list ("x = 2, x = 3") states the value 2, as a leading "x =" does for
    // a whole answer (normalize.h): a lone variable that the other side does not use. In a
    // list that assigns several variables ("x = 2, y = 3") the names matter, and the items
    // stay equations.
    ParsedExpr l = parse_latex(lhs);
    if (assignments_are_values_ && l.ok() && l.tree.node(l.root).op == Op::Var) {
      ValueParse r = parse(rhs, depth + 1);
      if (r.value && r.value->kind == ValueKind::Scalar) {
        bool uses = false;
        for (const std::string& v : r.value->tree->variables(r.value->root))
          uses = uses || v == l.tree.name(l.root);
        if (!uses) return r;
      }
    }
    // Both sides in one tree, joined as lhs - rhs.
    std::string joined = "(" + std::string(lhs) + ")-(" + std::string(rhs) + ")";
    ParsedExpr p = parse_latex(joined);
    if (!p.ok()) {
      if (p.error == "text") return text(std::string(lhs) + "=" + std::string(rhs));
      return fail("equation: " + p.error);
    }
    ValueParse out;
    out.value = MathValue{};
    out.value->kind = ValueKind::Equation;
    out.value->tree = std::make_shared<ExprTree>(std::move(p.tree));
    out.value->root = p.root;
    // The sides on their own, for a gold that is one value ("9 * 2 = 18" states 18).
    for (std::string_view side : {lhs, rhs}) {
      ValueParse one = scalar(side);
      if (!one.value || one.value->kind != ValueKind::Scalar) {
        out.value->items.clear();
        break;
      }
      out.value->items.push_back(std::move(*one.value));
    }
    return out;
  }

  // An inequality or a chain of them, stored smaller side first ("x > 5" as "5 < x"). A
  // chain must run one way ("1 < x > 3" is not a relation), and "\ne" stands alone.
  ValueParse relation(std::vector<std::string_view> sides, std::vector<char> ops, int depth) {
    std::string joined = std::string(sides[0]);
    for (size_t i = 0; i < ops.size(); ++i) {
      const char* sign = ops[i] == 'l'   ? "\\leq "
                         : ops[i] == 'g' ? "\\geq "
                         : ops[i] == '!' ? "\\ne "
                                         : (ops[i] == '<' ? "<" : ">");
      joined += sign + std::string(sides[i + 1]);
    }
    bool up = false, down = false;
    for (char op : ops) {
      if (op == '<' || op == 'l') up = true;
      if (op == '>' || op == 'g') down = true;
      if (op == '!' && ops.size() > 1) return text(joined);
    }
    if (up && down) return text(joined);
    if (sides.size() > kMaxValueItems) return fail("too_many_items");
    if (down) {
      std::reverse(sides.begin(), sides.end());
      std::reverse(ops.begin(), ops.end());
    }
    ValueParse out;
    out.value = MathValue{};
    MathValue& r = *out.value;
    r.kind = ValueKind::Relation;
    for (char op : ops)
      r.rel_ops.push_back(op == '!'                  ? RelOp::NotEq
                          : (op == '<' || op == '>') ? RelOp::Less
                                                     : RelOp::LessEq);
    for (std::string_view side : sides) {
      if (side.empty()) return fail("relation_side_empty");
      ValueParse item = scalar(side);
      if (!item.value)
        return fail("relation side '" + std::string(side.substr(0, 40)) + "': " + item.error);
      if (item.value->kind != ValueKind::Scalar) return text(joined);
      r.items.push_back(std::move(*item.value));
    }
    r.as_intervals = intervals_of(r, sides, depth);
    return out;
  }

  // The intervals a relation in one variable describes, or null: the variable must stand
  // alone as one side (the middle of a chain of three), and no other side may use it.
  std::shared_ptr<const MathValue> intervals_of(const MathValue& r,
                                                const std::vector<std::string_view>& sides,
                                                int depth) {
    auto lone_var = [&](size_t i) -> std::string {
      const MathValue& v = r.items[i];
      const ExprNode& n = v.tree->node(v.root);
      return n.op == Op::Var ? v.tree->name(v.root) : std::string();
    };
    auto uses = [&](size_t i, const std::string& name) {
      for (const std::string& v : r.items[i].tree->variables(r.items[i].root)) {
        if (v == name) return true;
      }
      return false;
    };
    auto open = [](RelOp op) { return op == RelOp::Less ? '(' : '['; };
    auto close = [](RelOp op) { return op == RelOp::Less ? ')' : ']'; };
    std::string spelled;
    if (r.items.size() == 2) {
      bool var_left = !lone_var(0).empty() && !uses(1, lone_var(0));
      bool var_right = !lone_var(1).empty() && !uses(0, lone_var(1));
      if (var_left == var_right) return nullptr;  // "x < y", "3 < 4"
      std::string other(sides[var_left ? 1 : 0]);
      RelOp op = r.rel_ops[0];
      if (op == RelOp::NotEq) {
        spelled = "(-\\infty," + other + ")\\cup(" + other + ",\\infty)";
      } else if (var_left) {  // x < c
        spelled = "(-\\infty," + other + std::string(1, close(op));
      } else {  // c < x
        spelled = std::string(1, open(op)) + other + ",\\infty)";
      }
    } else if (r.items.size() == 3) {
      std::string x = lone_var(1);
      if (x.empty() || uses(0, x) || uses(2, x)) return nullptr;
      spelled = std::string(1, open(r.rel_ops[0])) + std::string(sides[0]) + "," +
                std::string(sides[2]) + std::string(1, close(r.rel_ops[1]));
    } else {
      return nullptr;
    }
    ValueParse p = parse(spelled, depth + 1);
    if (!p.value) return nullptr;
    return std::make_shared<const MathValue>(std::move(*p.value));
  }

  ValueParse collection(const std::vector<std::string_view>& parts, ValueKind kind, int depth) {
    if (parts.size() > kMaxValueItems) return fail("too_many_items");
    ValueParse out;
    out.value = MathValue{};
    out.value->kind = kind;
    bool saved = assignments_are_values_;
    size_t assigned = 0;
    size_t names = assigned_names(parts, &assigned);
    assignments_are_values_ = saved && names <= 1;
    // "x = 2, x = 5" lists the solutions for x: a set, not the point (2, 5).
    if (kind == ValueKind::List && names == 1 && assigned == parts.size())
      out.value->kind = ValueKind::Set;
    struct Restore {
      bool& flag;
      bool value;
      ~Restore() { flag = value; }
    } restore{assignments_are_values_, saved};
    for (std::string_view part : parts) {
      ValueParse item = parse(part, depth + 1);
      if (!item.value) return fail("item '" + std::string(part.substr(0, 40)) + "': " + item.error);
      if (item.value->kind == ValueKind::List) {
        // Commas were split already, so a list here is a \pm expansion: its values join the
        // collection ("\{1 \pm \sqrt{5}, -2\}" has three elements).
        for (auto& sub : item.value->items) out.value->items.push_back(std::move(sub));
      } else {
        out.value->items.push_back(std::move(*item.value));
      }
      if (out.value->items.size() > kMaxValueItems) return fail("too_many_items");
    }
    return out;
  }

  ValueParse matrix(std::string_view s, int depth) {
    size_t name_end = s.find('}');
    if (name_end == std::string_view::npos) return fail("bad_matrix");
    std::string_view env = s.substr(7, name_end - 7);
    std::string end_tag = "\\end{" + std::string(env) + "}";
    if (s.size() < name_end + 1 + end_tag.size() ||
        s.compare(s.size() - end_tag.size(), end_tag.size(), end_tag) != 0) {
      return fail("bad_matrix");
    }
    // vmatrix is a determinant, a number: it is not compared as a matrix.
    if (env != "pmatrix" && env != "bmatrix" && env != "matrix" && env != "Bmatrix" &&
        env != "array" && env != "smallmatrix") {
      return fail("unsupported_environment");
    }
    std::string_view body = s.substr(name_end + 1, s.size() - end_tag.size() - name_end - 1);
    if (env == "array") {  // the column spec: "{cc}", "{c|c}"
      body = trim(body);
      if (body.empty() || body[0] != '{') return fail("bad_matrix");
      size_t spec_end = body.find('}');
      if (spec_end == std::string_view::npos) return fail("bad_matrix");
      body = body.substr(spec_end + 1);
    }
    std::vector<std::string_view> rows;
    if (!split_top(body, "\\\\", &rows)) return fail("unbalanced");
    while (!rows.empty() && rows.back().empty()) rows.pop_back();
    if (rows.empty() || rows.size() > kMaxValueItems) return fail("bad_matrix");
    ValueParse out;
    out.value = MathValue{};
    out.value->kind = ValueKind::Matrix;
    for (std::string_view row : rows) {
      std::vector<std::string_view> cells;
      if (!split_top(row, "&", &cells)) return fail("unbalanced");
      ValueParse r = collection(cells, ValueKind::Tuple, depth);
      if (!r.value) return r;
      r.value->open = '[';
      r.value->close = ']';
      out.value->items.push_back(std::move(*r.value));
    }
    return out;
  }

  // How many different variables the parts assign ("x = 2, y = 3" assigns two).
  // `assigned` counts the parts that are assignments.
  static size_t assigned_names(const std::vector<std::string_view>& parts, size_t* assigned) {
    std::vector<std::string> names;
    std::vector<std::string_view> sides;
    for (std::string_view part : parts) {
      if (!split_top(part, "=", &sides) || sides.size() != 2) continue;
      ParsedExpr l = parse_latex(sides[0]);
      if (!l.ok() || l.tree.node(l.root).op != Op::Var) continue;
      ++*assigned;
      const std::string& name = l.tree.name(l.root);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    return names.size();
  }

  int calls_ = 0;
  bool assignments_are_values_ = true;
};

}  // namespace

const char* value_kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::Scalar:
      return "scalar";
    case ValueKind::Equation:
      return "equation";
    case ValueKind::Tuple:
      return "tuple";
    case ValueKind::Set:
      return "set";
    case ValueKind::List:
      return "list";
    case ValueKind::Matrix:
      return "matrix";
    case ValueKind::Relation:
      return "relation";
    case ValueKind::Text:
      return "text";
  }
  return "?";
}

ValueParse parse_math_value(std::string_view normalized, bool assignments_are_values) {
  if (normalized.size() > kMaxAnswerLength) {
    ValueParse out;
    out.error = "too_long";
    return out;
  }
  return ValueParser(assignments_are_values).parse(normalized, 0);
}

}  // namespace r1
