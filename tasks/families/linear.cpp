// linear: one-variable linear equations, from x + b = c up to k(x + m) = cx + d, with integer
// or rational answers. The solution moves terms across (one claim per sum), then divides and
// reduces. Equation lines contain x, so the step verifier skips them; every arithmetic step
// sits on its own letter-free line.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/meta.h"
#include "tasks/rational.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

// A nonzero integer with lo <= |v| <= hi and a random sign.
int64_t signed_range(Rng& rng, int64_t lo, int64_t hi) {
  int64_t sign = rng.below(2) ? -1 : 1;
  return sign * rng.range(lo, hi);
}

// "3x", "x", "-x", "-4x".
std::string x_term(int64_t coef) {
  if (coef == 1) return "x";
  if (coef == -1) return "-x";
  return cat(coef, "x");
}

// a·x + b as written in an equation; `spaced` for the prompt ("3x + 7"), compact for steps.
std::string side(int64_t a, int64_t b, bool spaced) {
  std::string s;
  if (a != 0) s = x_term(a);
  if (b != 0) {
    if (s.empty()) return std::to_string(b);
    const char* sep = spaced ? " " : "";
    s += cat(sep, b < 0 ? "-" : "+", sep, b < 0 ? -b : b);
  }
  return s.empty() ? "0" : s;
}

// "p-q" written the way one moves a term across: 18-3, 5+12 (for q = -12).
std::string minus_text(int64_t p, int64_t q) {
  return cat(p, q < 0 ? "+" : "-", q < 0 ? -q : q);
}

// After the equation: the verifier takes only a reduced answer (answer_form).
constexpr const char* kInstruction = " Give x as an integer or a fraction in lowest terms.";

class LinearGenerator : public TaskGenerator {
 public:
  std::string family() const override { return "linear"; }
  std::string summary() const override {
    return "solve a linear equation in x; integer or rational answers (verifier: math)";
  }
  int max_difficulty() const override { return 8; }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    // The equation is a·x + b = c·x + d; level 8 writes the left side as k(x + m).
    int64_t a = 0, b = 0, c = 0, d = 0, k = 0, m = 0;
    auto integer_rhs = [&](int64_t x) { d = (a - c) * x + b; };
    // d - b = n with n not a multiple of (a - c): the answer is a fraction.
    auto rational_rhs = [&] {
      int64_t n;
      do n = signed_range(rng, 1, 60);
      while (n % (a - c) == 0);
      d = n + b;
    };
    switch (difficulty) {
      case 1:
        a = 1;
        b = signed_range(rng, 1, 20);
        integer_rhs(rng.range(-10, 20));
        break;
      case 2:
        a = rng.below(4) ? rng.range(2, 12) : -rng.range(2, 12);
        integer_rhs(rng.range(-12, 12));
        break;
      case 3:
        a = rng.range(2, 9);
        b = rng.range(1, 30);
        integer_rhs(rng.range(0, 15));
        break;
      case 4:
        a = signed_range(rng, 2, 12);
        b = signed_range(rng, 1, 40);
        integer_rhs(rng.range(-15, 15));
        break;
      case 5:
      case 7:
        do {
          a = signed_range(rng, 1, 9);
          c = signed_range(rng, 1, 9);
        } while (a == c || (difficulty == 7 && (a - c == 1 || a - c == -1)));
        b = signed_range(rng, 1, 30);
        if (difficulty == 5)
          integer_rhs(rng.range(-12, 12));
        else
          rational_rhs();
        break;
      case 6:
        a = signed_range(rng, 2, 12);
        b = signed_range(rng, 1, 30);
        rational_rhs();
        break;
      default:
        k = rng.range(2, 9);
        m = signed_range(rng, 1, 9);
        do c = signed_range(rng, 1, 9);
        while (c == k);
        a = k;
        b = k * m;
        if (rng.below(2))
          integer_rhs(rng.range(-12, 12));
        else if (a - c == 1 || a - c == -1)
          integer_rhs(rng.range(-12, 12));
        else
          rational_rhs();
        break;
    }
    Task t;
    t.family = family();
    t.difficulty = difficulty;
    t.verifier = "math";
    std::string lhs =
        k ? cat(k, "(x ", m < 0 ? "-" : "+", " ", m < 0 ? -m : m, ")") : side(a, b, true);
    // The verifier asks for lowest terms (answer_form), so the prompt says so: an unreduced
    // 38/8 is x too, and a model never shown this family's answers would be scored 0 for it.
    t.prompt = cat("Solve for x: ", lhs, " = ", side(c, d, true), ".", kInstruction);
    t.answer = Rational(d - b, a - c).str();
    t.meta = {{"a", a}, {"b", b}, {"c", c}, {"d", d}, {"answer_form", "reduced"}};
    if (k) t.meta["k"] = k, t.meta["m"] = m;
    return t;
  }

  // The held-out texts: the prompt, and the problem without the instruction.
  std::vector<std::string> problem_texts(const Task& task) const override {
    return prompt_and_problem(task, kInstruction);
  }

  // The equation a·x + b = c·x + d, either side first, however the prompt writes it: level 8's
  // "3(x + 2) = x + 4" is level 5's "3x + 6 = x + 4".
  std::string problem_key(const Task& task) const override {
    const json& m = task.meta;
    for (const char* k : {"a", "b", "c", "d"})
      if (!m.is_object() || !m.contains(k) || !m[k].is_number_integer())
        return TaskGenerator::problem_key(task);
    // The equation either side first, and with both sides negated (-6x - 34 = -94 is
    // 6x + 34 = 94): the smallest of the four spellings.
    const int64_t a = m["a"].get<int64_t>(), b = m["b"].get<int64_t>(), c = m["c"].get<int64_t>(),
                  d = m["d"].get<int64_t>();
    std::array<int64_t, 4> best{a, b, c, d};
    for (const std::array<int64_t, 4>& e :
         {std::array<int64_t, 4>{c, d, a, b}, std::array<int64_t, 4>{-a, -b, -c, -d},
          std::array<int64_t, 4>{-c, -d, -a, -b}})
      best = std::min(best, e);
    return cat("linear|", best[0], "x+", best[1], "=", best[2], "x+", best[3]);
  }

  std::string solve(const Task& task) const override {
    int64_t a = meta_int(task, "a"), b = meta_int(task, "b"), c = meta_int(task, "c"),
            d = meta_int(task, "d");
    if (a == c) fail("task ", task.id, ": linear equation has no unique solution (a == c)");
    std::vector<std::string> lines;
    if (task.meta.contains("k")) {  // expand k(x + m) first
      int64_t k = meta_int(task, "k"), m = meta_int(task, "m");
      if (a != k || b != k * m) fail("task ", task.id, ": meta.k, meta.m disagree with a, b");
      lines.push_back(claim(k, '*', m, b));
      lines.push_back(cat(side(a, b, false), " = ", side(c, d, false)));
    }
    // Move the x terms left and the numbers right.
    int64_t coef = a - c, n = d - b;
    std::string left =
        c != 0 ? cat(x_term(a), c < 0 ? "+" : "-", x_term(c < 0 ? -c : c)) : x_term(a);
    std::string right = b == 0 ? std::to_string(d) : d == 0 ? std::to_string(-b) : minus_text(d, b);
    if (c != 0 || b != 0) {
      lines.push_back(cat(left, " = ", right));
      if (c != 0) lines.push_back(cat(minus_text(a, c), " = ", coef));
      if (b != 0 && d != 0) lines.push_back(cat(minus_text(d, b), " = ", n));
      lines.push_back(cat(x_term(coef), " = ", n));
    }
    Rational x(n, coef);
    if (coef != 1) {
      std::string quotient = cat(n, "/", operand(coef));
      lines.push_back(cat("x = ", quotient));
      if (quotient != x.str()) {
        lines.push_back(cat(quotient, " = ", x.str()));
        lines.push_back(cat("x = ", x.str()));
      }
    }
    return format_solution(lines, x.str());
  }
};

}  // namespace

std::unique_ptr<TaskGenerator> make_linear_generator() {
  return std::make_unique<LinearGenerator>();
}

}  // namespace r1
