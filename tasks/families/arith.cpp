// arith: multi-digit addition, subtraction and multiplication, and multi-term expressions
// with precedence and parentheses. Two-number problems are solved column by column (digit
// sums with carries, borrows, partial products); expressions one operation per line.
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/int_expr.h"
#include "tasks/meta.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

std::vector<int> digits_of(int64_t v) {  // units first
  std::vector<int> d;
  do {
    d.push_back(static_cast<int>(v % 10));
    v /= 10;
  } while (v > 0);
  return d;
}

// Column addition of a, b >= 0: one line per column that adds something, "4+8+1 = 13".
void add_columns(int64_t a, int64_t b, std::vector<std::string>* lines) {
  std::vector<int> da = digits_of(a), db = digits_of(b);
  int carry = 0;
  for (size_t i = 0; i < std::max(da.size(), db.size()); ++i) {
    std::vector<int> terms;
    if (i < da.size()) terms.push_back(da[i]);
    if (i < db.size()) terms.push_back(db[i]);
    if (carry) terms.push_back(carry);
    int sum = 0;
    for (int t : terms) sum += t;
    if (terms.size() > 1) {
      std::string line;
      for (size_t k = 0; k < terms.size(); ++k) line += cat(k ? "+" : "", terms[k]);
      lines->push_back(cat(line, " = ", sum));
    }
    carry = sum / 10;
  }
}

// Column subtraction of a >= b >= 0: "17-9 = 8" borrows ten, "14-1-8 = 5" pays the borrow.
void sub_columns(int64_t a, int64_t b, std::vector<std::string>* lines) {
  std::vector<int> da = digits_of(a), db = digits_of(b);
  int borrow = 0;
  for (size_t i = 0; i < da.size(); ++i) {
    bool has_b = i < db.size();
    if (!has_b && !borrow) continue;  // the digit just comes down
    int d = has_b ? db[i] : 0;
    int top = da[i];
    int v = top - borrow - d;
    int next_borrow = 0;
    if (v < 0) {
      top += 10;
      v += 10;
      next_borrow = 1;
    }
    std::string line = std::to_string(top);
    if (borrow) line += "-1";
    if (has_b) line += cat("-", d);
    lines->push_back(cat(line, " = ", v));
    borrow = next_borrow;
  }
}

// One row of long multiplication: a times a digit e, digit by digit with carries
// ("4*8+5 = 37"), then the row "347*8 = 2776".
int64_t mul_row(int64_t a, int e, std::vector<std::string>* lines) {
  if (e > 1) {
    std::vector<int> da = digits_of(a);
    int carry = 0;
    for (int x : da) {
      int v = x * e + carry;
      lines->push_back(carry ? cat(x, "*", e, "+", carry, " = ", v) : cat(x, "*", e, " = ", v));
      carry = v / 10;
    }
  }
  lines->push_back(cat(a, "*", e, " = ", a * e));
  return a * e;
}

// Long multiplication of a >= 10 by b >= 2: rows per nonzero digit of b, each shifted to its
// place ("347*20 = 6940"), then the running sum of the rows.
void mul_columns(int64_t a, int64_t b, std::vector<std::string>* lines) {
  std::vector<int> db = digits_of(b);
  std::vector<int64_t> rows;
  int64_t place = 1;
  for (int e : db) {
    if (e != 0) {
      int64_t row = mul_row(a, e, lines);
      if (place > 1) lines->push_back(cat(a, "*", e * place, " = ", row * place));
      rows.push_back(row * place);
    }
    place *= 10;
  }
  int64_t sum = rows[0];
  for (size_t i = 1; i < rows.size(); ++i) {
    lines->push_back(cat(sum, "+", rows[i], " = ", sum + rows[i]));
    sum += rows[i];
  }
  if (rows.size() > 1 || db.size() > 1) {
    if (lines->back() != cat(a, "*", b, " = ", a * b))
      lines->push_back(cat(a, "*", b, " = ", a * b));
  }
}

int64_t digits_range(Rng& rng, int digits) {
  int64_t lo = 1;
  for (int i = 1; i < digits; ++i) lo *= 10;
  return rng.range(digits == 1 ? 2 : lo, lo * 10 - 1);
}

char pick(Rng& rng, const char* ops) {
  return ops[rng.below(std::char_traits<char>::length(ops))];
}

// Three terms, no parentheses, at least one product: "12+7*8-5".
std::string three_terms(Rng& rng) {
  char o1 = pick(rng, "+-*"), o2 = pick(rng, "+-*");
  if (o1 != '*' && o2 != '*') (rng.below(2) ? o1 : o2) = '*';
  auto num = [&](bool by_product) { return by_product ? rng.range(2, 12) : rng.range(2, 99); };
  int64_t a = num(o1 == '*'), b = num(o1 == '*' || o2 == '*'), c = num(o2 == '*');
  return cat(a, o1, b, o2, c);
}

// Four terms with one parenthesised sum or difference that changes the order of work.
std::string four_terms(Rng& rng) {
  auto pm = [&] { return pick(rng, "+-"); };
  auto small = [&] { return rng.range(2, 9); };
  auto mid = [&] { return rng.range(2, 20); };
  auto big = [&] { return rng.range(2, 99); };
  switch (rng.below(4)) {
    case 0: {  // (a+b)*c-d
      int64_t a = mid(), b = mid();
      char p = pm();
      int64_t c = small();
      char q = pm();
      return cat("(", a, p, b, ")*", c, q, big());
    }
    case 1: {  // a*(b-c)+d
      int64_t a = small(), b = mid();
      char p = pm();
      int64_t c = mid();
      char q = pm();
      return cat(a, "*(", b, p, c, ")", q, big());
    }
    case 2: {  // a-(b+c)*d
      int64_t a = big();
      char q = pm();
      int64_t b = mid();
      char p = pm();
      int64_t c = mid();
      return cat(a, q, "(", b, p, c, ")*", small());
    }
    default: {  // a+b*(c-d)
      int64_t a = big();
      char q = pm();
      int64_t b = small(), c = mid();
      char p = pm();
      return cat(a, q, b, "*(", c, p, mid(), ")");
    }
  }
}

std::string two_numbers(Rng& rng, char op, int digits_a, int digits_b, bool allow_negative) {
  int64_t a = digits_range(rng, digits_a), b = digits_range(rng, digits_b);
  if (op == '-' && !allow_negative && a < b) std::swap(a, b);
  return cat(a, op, b);
}

class ArithGenerator : public TaskGenerator {
 public:
  std::string family() const override { return "arith"; }
  std::string summary() const override {
    return "multi-digit + - * and multi-term expressions with precedence (verifier: math)";
  }
  int max_difficulty() const override { return 8; }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    std::string expr;
    // One draw per statement: the order of evaluation of function arguments is unspecified,
    // and the task must not depend on the compiler.
    switch (difficulty) {
      case 1: {
        char op = pick(rng, "+-");
        expr = two_numbers(rng, op, 2, 2, false);
        break;
      }
      case 2: {
        char op = pick(rng, "+-");
        expr = two_numbers(rng, op, 3, 3, false);
        break;
      }
      case 3:
        expr = two_numbers(rng, '*', 2, 1, false);
        break;
      case 4: {
        if (rng.below(2)) {
          expr = two_numbers(rng, '*', 3, 1, false);
        } else {
          char op = pick(rng, "+-");
          int digits_b = static_cast<int>(rng.range(3, 4));
          expr = two_numbers(rng, op, 4, digits_b, true);
        }
        break;
      }
      case 5:
        expr = three_terms(rng);
        break;
      case 6:
        expr = two_numbers(rng, '*', 2, 2, false);
        break;
      case 7:
        expr = four_terms(rng);
        break;
      default:
        expr = two_numbers(rng, '*', 3, 2, false);
        break;
    }
    Task t;
    t.family = family();
    t.difficulty = difficulty;
    t.verifier = "math";
    t.prompt = cat("Compute ", expr, ".");
    t.answer = evaluate(*parse_int_expr(expr)).str();
    t.meta = {{"expr", expr}, {"answer_form", "integer"}};  // "47+38" restates, not computes
    return t;
  }

  // The expression up to the order of a sum's terms or a product's factors: "47+38" and
  // "38+47" are one problem (levels 1, 2 and 6 draw both).
  std::string problem_key(const Task& task) const override {
    if (!task.meta.is_object() || !task.meta.contains("expr") || !task.meta["expr"].is_string())
      return TaskGenerator::problem_key(task);
    try {
      return cat("arith|", canonical_text(*parse_int_expr(task.meta["expr"].get<std::string>())));
    } catch (const std::exception&) {
      return TaskGenerator::problem_key(task);
    }
  }

  std::string solve(const Task& task) const override {
    IntExprPtr e = parse_int_expr(meta_string(task, "expr"));
    std::vector<std::string> lines;
    int64_t result;
    bool simple = e->op != 0 && e->lhs->op == 0 && e->rhs->op == 0;
    int64_t a = simple ? e->lhs->value : 0, b = simple ? e->rhs->value : 0;
    if (simple && e->op == '+' && a >= 10 && b >= 10) {
      add_columns(a, b, &lines);
      result = a + b;
      lines.push_back(cat(a, "+", b, " = ", result));
    } else if (simple && e->op == '-' && a >= 10 && b >= 10) {
      result = a - b;
      if (a >= b) {
        sub_columns(a, b, &lines);
      } else {  // a smaller number minus a larger one: subtract the other way, then negate
        lines.push_back(cat(a, "-", b, " = -(", b, "-", a, ")"));
        sub_columns(b, a, &lines);
        lines.push_back(cat(b, "-", a, " = ", b - a));
      }
      lines.push_back(cat(a, "-", b, " = ", result));
    } else if (simple && e->op == '*' && a >= 10 && b >= 2) {
      mul_columns(a, b, &lines);
      result = a * b;
    } else {
      result = evaluate_steps(*e, &lines);
    }
    return format_solution(lines, std::to_string(result));
  }
};

}  // namespace

std::unique_ptr<TaskGenerator> make_arith_generator() {
  return std::make_unique<ArithGenerator>();
}

}  // namespace r1
