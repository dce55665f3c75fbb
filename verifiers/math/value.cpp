#include "verifiers/math/value.h"

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
    for (const char* rel : {"\\leq", "\\geq", "<", ">", "\\ne", "\\approx"}) {
      if (has_top_level(s, rel)) return text(s);
    }
    std::vector<std::string_view> sides;
    if (split_top(s, "=", &sides) && sides.size() == 2) return equation(sides[0], sides[1]);
    if (sides.size() > 2) return text(s);

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

  ValueParse equation(std::string_view lhs, std::string_view rhs) {
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
    return out;
  }

  ValueParse collection(const std::vector<std::string_view>& parts, ValueKind kind, int depth) {
    if (parts.size() > kMaxValueItems) return fail("too_many_items");
    ValueParse out;
    out.value = MathValue{};
    out.value->kind = kind;
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
    if (env != "pmatrix" && env != "bmatrix" && env != "matrix" && env != "vmatrix" &&
        env != "Bmatrix") {
      return fail("unsupported_environment");
    }
    std::string_view body = s.substr(name_end + 1, s.size() - end_tag.size() - name_end - 1);
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

  int calls_ = 0;
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
    case ValueKind::Text:
      return "text";
  }
  return "?";
}

ValueParse parse_math_value(std::string_view normalized) {
  if (normalized.size() > kMaxAnswerLength) {
    ValueParse out;
    out.error = "too_long";
    return out;
  }
  return ValueParser().parse(normalized, 0);
}

}  // namespace r1
