// fraction: + - * / on fractions, answers reduced ("3/4", "-5/2", "2"). Sums go over the
// least common denominator; products multiply across; quotients multiply by the reciprocal;
// every result is reduced by the gcd with the division shown.
#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/meta.h"
#include "tasks/rational.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

// "n/d" without reducing, as written in a step.
std::string raw(int64_t n, int64_t d) {
  return d == 1 ? std::to_string(n) : cat(n, "/", d);
}

// Reduces n/d (d > 0), showing the division by the gcd; returns the reduced value.
Rational reduce(int64_t n, int64_t d, std::vector<std::string>* lines) {
  Rational r(n, d);
  int64_t g = gcd64(n, d);
  if (d == 1 || g <= 1) return r;
  if (r.den == 1) {
    lines->push_back(cat(raw(n, d), " = ", r.num));
  } else {
    lines->push_back(cat(n, "/", g, " = ", r.num));
    lines->push_back(cat(d, "/", g, " = ", r.den));
    lines->push_back(cat(raw(n, d), " = ", r.str()));
  }
  return r;
}

Rational add_sub(const Rational& x, char op, const Rational& y, std::vector<std::string>* lines) {
  int64_t l = lcm64(x.den, y.den);
  int64_t xn = x.num * (l / x.den), yn = y.num * (l / y.den);
  if (x.den != l) lines->push_back(cat(x.str(), " = ", raw(xn, l)));
  if (y.den != l) lines->push_back(cat(y.str(), " = ", raw(yn, l)));
  int64_t n = op == '+' ? xn + yn : xn - yn;
  std::string right = raw(yn, l);
  if (yn < 0) right = cat("(", right, ")");
  lines->push_back(cat(raw(xn, l), op, right, " = ", raw(n, l)));
  return reduce(n, l, lines);
}

Rational multiply(const Rational& x, const Rational& y, std::vector<std::string>* lines) {
  int64_t n = x.num * y.num, d = x.den * y.den;
  if (x.den != 1 || y.den != 1) {
    lines->push_back(claim(x.num, '*', y.num, n));
    if (x.den != 1 && y.den != 1) lines->push_back(claim(x.den, '*', y.den, d));
  }
  lines->push_back(cat(x.str(), "*", y.operand(), " = ", raw(n, d)));
  return reduce(n, d, lines);
}

Rational divide(const Rational& x, const Rational& y, std::vector<std::string>* lines) {
  Rational inv = Rational(1) / y;
  auto paren = [](const Rational& r) {
    return r.den == 1 && r.num >= 0 ? r.str() : cat("(", r.str(), ")");
  };
  lines->push_back(cat(paren(x), "/", paren(y), " = ", paren(x), "*", paren(inv)));
  return multiply(x, inv, lines);
}

Rational apply(const Rational& x, char op, const Rational& y, std::vector<std::string>* lines) {
  switch (op) {
    case '+':
    case '-':
      return add_sub(x, op, y, lines);
    case '*':
      return multiply(x, y, lines);
    default:
      return divide(x, y, lines);
  }
}

Rational exact(const Rational& x, char op, const Rational& y) {
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    default:
      return x / y;
  }
}

// A reduced proper fraction with denominator in [lo, hi].
Rational proper(Rng& rng, int64_t lo, int64_t hi) {
  int64_t d = rng.range(lo, hi), n;
  do n = rng.range(1, d - 1);
  while (gcd64(n, d) != 1);
  return Rational(n, d);
}

bool binds_tighter(char a, char b) {
  return (a == '*' || a == '/') && (b == '+' || b == '-');
}

// After the expression: the verifier takes only a reduced answer (answer_form).
constexpr const char* kInstruction = " Give the answer in lowest terms.";

class FractionGenerator : public TaskGenerator {
 public:
  std::string family() const override { return "fraction"; }
  std::string summary() const override {
    return "fraction arithmetic with reduced answers like 3/4, -5/2 or 2 (verifier: math)";
  }
  int max_difficulty() const override { return 6; }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    std::string ops;
    switch (difficulty) {
      case 1: {  // same denominator, reduced operands, a positive result
        int64_t d = rng.range(3, 12), a, c;
        auto numerator = [&] {
          int64_t n;
          do n = rng.range(1, d - 1);
          while (gcd64(n, d) != 1);
          return n;
        };
        a = numerator();
        do c = numerator();
        while (c == a);
        ops = rng.below(2) ? "+" : "-";
        if (ops == "-" && a < c) std::swap(a, c);
        return make(difficulty, {{a, d}, {c, d}}, ops);
      }
      case 2:
      case 3: {
        int64_t hi = difficulty == 2 ? 10 : 12;
        Rational x = proper(rng, 2, hi), y;
        do y = proper(rng, 2, hi);
        while (y.den == x.den);
        return make(difficulty, {{x.num, x.den}, {y.num, y.den}}, difficulty == 2 ? "+" : "-");
      }
      case 4:
      case 5: {
        Rational x = proper(rng, 2, 12);
        Rational y = proper(rng, 2, 12);
        return make(difficulty, {{x.num, x.den}, {y.num, y.den}}, difficulty == 4 ? "*" : "/");
      }
      default: {
        char o1 = "+-*"[rng.below(3)], o2 = "+-*"[rng.below(3)];
        if (o1 != '*' && o2 != '*') (rng.below(2) ? o1 : o2) = '*';
        Rational x = proper(rng, 2, 8);
        Rational y = proper(rng, 2, 8);
        Rational z = proper(rng, 2, 8);
        return make(difficulty, {{x.num, x.den}, {y.num, y.den}, {z.num, z.den}},
                    std::string{o1, o2});
      }
    }
  }

  // The held-out texts: the prompt, and the problem without the instruction.
  std::vector<std::string> problem_texts(const Task& task) const override {
    return prompt_and_problem(task, kInstruction);
  }

  // The terms and operations, with the two terms of a sum or product in either order.
  std::string problem_key(const Task& task) const override {
    const json& m = task.meta;
    if (!m.is_object() || !m.contains("terms") || !m["terms"].is_array() || !m.contains("ops") ||
        !m["ops"].is_string())
      return TaskGenerator::problem_key(task);
    std::vector<std::string> terms;
    for (const json& t : m["terms"]) terms.push_back(t.dump());
    const std::string ops = m["ops"].get<std::string>();
    if (ops.size() + 1 != terms.size() || ops.find_first_not_of("+-*/") != std::string::npos)
      return TaskGenerator::problem_key(task);
    // The expression up to the order of what commutes: a sum of signed products, each product
    // its factors and its divisors, each list sorted ("1/2 + 1/2*1/4" is "1/4*1/2 + 1/2", and
    // "a/c*b" is "a*b/c").
    std::vector<std::string> added, subtracted;
    std::vector<std::string> factors{terms[0]}, divisors;
    char sign = '+';
    auto close_product = [&] {
      std::sort(factors.begin(), factors.end());
      std::sort(divisors.begin(), divisors.end());
      std::string p;
      for (const auto& f : factors) p += (p.empty() ? "" : "*") + f;
      for (const auto& d : divisors) p += "/" + d;
      (sign == '+' ? added : subtracted).push_back(p);
    };
    for (size_t k = 0; k < ops.size(); ++k) {
      const char op = ops[k];
      if (op == '*') {
        factors.push_back(terms[k + 1]);
      } else if (op == '/') {
        divisors.push_back(terms[k + 1]);
      } else {
        close_product();
        sign = op;
        factors = {terms[k + 1]};
        divisors.clear();
      }
    }
    close_product();
    std::sort(added.begin(), added.end());
    std::sort(subtracted.begin(), subtracted.end());
    std::string key = "fraction|";
    for (const auto& a : added) key += "+" + a;
    for (const auto& s : subtracted) key += "-" + s;
    return key;
  }

  std::string solve(const Task& task) const override {
    const json& jt = meta_array(task, "terms");
    std::string ops = meta_string(task, "ops");
    if (jt.size() < 2 || jt.size() > 3 || ops.size() + 1 != jt.size() ||
        ops.find_first_not_of("+-*/") != std::string::npos) {
      fail("task ", task.id,
           ": fraction needs 2 or 3 meta.terms and one op in meta.ops between each");
    }
    std::vector<Rational> v;
    std::vector<std::string> lines;
    for (const auto& t : jt) {
      if (!t.is_array() || t.size() != 2 || !t[0].is_number_integer() ||
          !t[1].is_number_integer() || t[1].get<int64_t>() <= 0) {
        fail("task ", task.id,
             ": meta.terms entries must be [numerator, positive denominator], got ", t.dump());
      }
      int64_t n = t[0].get<int64_t>(), d = t[1].get<int64_t>();
      // An unreduced operand (2/6) is reduced first.
      v.push_back(gcd64(n, d) > 1 ? reduce(n, d, &lines) : Rational(n, d));
    }
    Rational r;
    if (v.size() == 2) {
      r = apply(v[0], ops[0], v[1], &lines);
    } else if (binds_tighter(ops[1], ops[0])) {
      Rational right = apply(v[1], ops[1], v[2], &lines);
      r = apply(v[0], ops[0], right, &lines);
    } else {
      Rational left = apply(v[0], ops[0], v[1], &lines);
      r = apply(left, ops[1], v[2], &lines);
    }
    return format_solution(lines, r.str());
  }

 private:
  Task make(int difficulty, const std::vector<std::pair<int64_t, int64_t>>& terms,
            const std::string& ops) const {
    Task t;
    t.family = family();
    t.difficulty = difficulty;
    t.verifier = "math";
    std::string text;
    json jt = json::array();
    for (size_t i = 0; i < terms.size(); ++i) {
      std::string term = raw(terms[i].first, terms[i].second);
      if (ops == "/") term = cat("(", term, ")");
      if (i) text += cat(" ", ops[i - 1], " ");
      text += term;
      jt.push_back({terms[i].first, terms[i].second});
    }
    // The value, with the precedence of * and / over + and -.
    std::vector<Rational> v;
    for (const auto& [n, d] : terms) v.push_back(Rational(n, d));
    Rational r = v.size() == 2                   ? exact(v[0], ops[0], v[1])
                 : binds_tighter(ops[1], ops[0]) ? exact(v[0], ops[0], exact(v[1], ops[1], v[2]))
                                                 : exact(exact(v[0], ops[0], v[1]), ops[1], v[2]);
    // The verifier asks for lowest terms (answer_form), so the prompt says so.
    t.prompt = cat("Compute ", text, ".", kInstruction);
    t.answer = r.str();
    t.meta = {{"terms", jt}, {"ops", ops}, {"answer_form", "reduced"}};
    return t;
  }
};

}  // namespace

std::unique_ptr<TaskGenerator> make_fraction_generator() {
  return std::make_unique<FractionGenerator>();
}

}  // namespace r1
