#include "tasks/families/pycompose.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <set>

#include "core/error.h"
#include "core/json.h"
#include "tasks/pyvalue.h"

namespace r1 {
namespace {

// Python's // and % for a positive divisor: both round toward minus infinity.
int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
int64_t py_mod(int64_t a, int64_t b) {
  return a - b * floor_div(a, b);
}

// An expression being built: its code, whether it needs parentheses as an operand, and the
// steps in words.
struct Expr {
  std::string code;
  bool atomic = true;
  std::vector<std::string> words;
  std::string wrapped() const { return atomic ? code : cat("(", code, ")"); }
};

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (size_t i = 0; i < words.size(); ++i) s += cat(i ? ", then " : "", words[i]);
  return s;
}

}  // namespace

bool maps_to_itself(const std::function<json(const json&)>& f, const json& args, const json& out) {
  if (!args.is_array() || args.size() != 1 || args[0].type() != out.type()) return false;
  if (out.is_array()) {  // the elements too: f reads them as what its inputs held
    for (const json& e : out)
      if (!args[0].empty() && e.type() != args[0][0].type()) return false;
  }
  try {
    return f(json::array({out})) == out;
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

// Draws distinct inputs with `draw` (argument lists as JSON arrays) and computes the outputs.
void fill_cases(ComposedProgram& p, Rng& rng, int n, const std::function<json(Rng&)>& draw,
                const std::function<json(const json&)>& run) {
  std::set<std::string> seen;
  for (int tries = 0; static_cast<int>(p.inputs.size()) < n && tries < 1000; ++tries) {
    const json args = draw(rng);
    std::string src;
    for (const json& a : args) src += cat(src.empty() ? "" : ", ", py_repr(a));
    if (!seen.insert(src).second) continue;
    p.inputs.push_back(src);
    const json out = run(args);
    p.outputs.push_back(py_repr(out));
    p.fixed_points.push_back(maps_to_itself(run, args, out));
  }
  R1_CHECK(static_cast<int>(p.inputs.size()) == n, "pycompose: too few distinct inputs");
}

// ys = [MAP for x in xs if PRED]; return AGG(ys)
ComposedProgram list_pipeline(Rng& rng, int n) {
  struct Map {
    std::string code, words;
    std::function<int64_t(int64_t)> f;
  };
  struct Pred {
    std::string code, words;
    std::function<bool(int64_t)> f;
  };
  struct Agg {
    std::function<std::string(const std::string&)> code;
    std::string words;
    std::function<json(const std::vector<int64_t>&)> f;
  };
  const int64_t k = rng.range(2, 5), c = rng.range(1, 9);
  const std::vector<Map> maps = {
      {"x", "x", [](int64_t x) { return x; }},
      {cat("x * ", k), cat("x times ", k), [k](int64_t x) { return x * k; }},
      {cat("x + ", c), cat("x plus ", c), [c](int64_t x) { return x + c; }},
      {cat("x - ", c), cat("x minus ", c), [c](int64_t x) { return x - c; }},
      {cat("x // ", k), cat("x floor-divided by ", k), [k](int64_t x) { return floor_div(x, k); }},
      {cat("x % ", k), cat("x mod ", k), [k](int64_t x) { return py_mod(x, k); }},
      {"x * x", "x squared", [](int64_t x) { return x * x; }},
      {"abs(x)", "the absolute value of x", [](int64_t x) { return x < 0 ? -x : x; }},
      {cat(c, " - x"), cat(c, " minus x"), [c](int64_t x) { return c - x; }},
  };
  const int64_t t = rng.range(-5, 10), m = rng.range(2, 4), r = rng.range(0, m - 1);
  const std::vector<Pred> preds = {
      {"", "", [](int64_t) { return true; }},
      {cat("x > ", t), cat("x greater than ", t), [t](int64_t x) { return x > t; }},
      {cat("x < ", t), cat("x less than ", t), [t](int64_t x) { return x < t; }},
      {cat("x % ", m, " == ", r), cat("x mod ", m, " equal to ", r),
       [m, r](int64_t x) { return py_mod(x, m) == r; }},
      {cat("x != ", t), cat("x not equal to ", t), [t](int64_t x) { return x != t; }},
  };
  const int64_t h = rng.range(1, 3);
  auto list = [](const std::vector<int64_t>& v) { return json(v); };
  const std::vector<Agg> aggs = {
      {[](const std::string& v) { return v; }, "the list", list},
      {[](const std::string& v) { return cat("sum(", v, ")"); }, "the sum",
       [](const std::vector<int64_t>& v) {
         int64_t s = 0;
         for (int64_t x : v) s += x;
         return json(s);
       }},
      {[](const std::string& v) { return cat("len(", v, ")"); }, "the count",
       [](const std::vector<int64_t>& v) { return json(static_cast<int64_t>(v.size())); }},
      {[](const std::string& v) { return cat("max(", v, ", default=0)"); },
       "the largest (0 if none)",
       [](const std::vector<int64_t>& v) {
         return json(v.empty() ? 0 : *std::max_element(v.begin(), v.end()));
       }},
      {[](const std::string& v) { return cat("min(", v, ", default=0)"); },
       "the smallest (0 if none)",
       [](const std::vector<int64_t>& v) {
         return json(v.empty() ? 0 : *std::min_element(v.begin(), v.end()));
       }},
      {[](const std::string& v) { return cat("sorted(", v, ")"); }, "the sorted list",
       [](std::vector<int64_t> v) {
         std::sort(v.begin(), v.end());
         return json(v);
       }},
      {[](const std::string& v) { return cat("sorted(", v, ", reverse=True)"); },
       "the list sorted from largest to smallest",
       [](std::vector<int64_t> v) {
         std::sort(v.rbegin(), v.rend());
         return json(v);
       }},
      {[](const std::string& v) { return cat(v, "[::-1]"); }, "the reversed list",
       [](std::vector<int64_t> v) {
         std::reverse(v.begin(), v.end());
         return json(v);
       }},
      {[h](const std::string& v) { return cat(v, "[:", h, "]"); }, cat("the first ", h),
       [h](std::vector<int64_t> v) {
         if (v.size() > static_cast<size_t>(h)) v.resize(static_cast<size_t>(h));
         return json(v);
       }},
  };
  const Map& map = maps[rng.below(maps.size())];
  const Pred& pred = preds[rng.below(preds.size())];
  const bool plain = map.code == "x" && pred.code.empty();  // the pipeline is xs itself
  // Identity on xs is no program worth a task: keep drawing the aggregate until it does work.
  size_t a = rng.below(aggs.size());
  while (plain && a == 0) a = rng.below(aggs.size());
  const Agg& agg = aggs[a];

  ComposedProgram p;
  p.code = "def f(xs):\n";
  if (!plain) {
    p.code += cat("    ys = [", map.code, " for x in xs", pred.code.empty() ? "" : " if ",
                  pred.code, "]\n");
  }
  p.code += cat("    return ", agg.code(plain ? "xs" : "ys"), "\n");
  p.spec = cat("returns ", agg.words, " of ", map.words, " for each x of xs",
               pred.words.empty() ? "" : cat(" with ", pred.words));
  fill_cases(
      p, rng, n,
      [](Rng& g) {
        std::vector<int64_t> xs(static_cast<size_t>(g.range(0, 6)));
        for (auto& x : xs) x = g.range(-9, 20);
        return json::array({json(xs)});
      },
      [&](const json& args) {
        std::vector<int64_t> ys;
        for (int64_t x : args[0].get<std::vector<int64_t>>()) {
          if (pred.f(x)) ys.push_back(map.f(x));
        }
        return agg.f(ys);
      });
  return p;
}

// 1-3 steps on an integer n.
ComposedProgram int_expression(Rng& rng, int n) {
  Expr e{"n", true, {}};
  std::vector<std::function<int64_t(int64_t)>> steps;
  const int64_t count = rng.range(1, 3);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t c = rng.range(1, 9), k = rng.range(2, 5), b = rng.range(-5, 10);
    switch (rng.below(10)) {
      case 0:
        e = {cat(e.wrapped(), " + ", c), false, e.words};
        e.words.push_back(cat("add ", c));
        steps.push_back([c](int64_t v) { return v + c; });
        break;
      case 1:
        e = {cat(e.wrapped(), " - ", c), false, e.words};
        e.words.push_back(cat("subtract ", c));
        steps.push_back([c](int64_t v) { return v - c; });
        break;
      case 2:
        e = {cat(e.wrapped(), " * ", k), false, e.words};
        e.words.push_back(cat("multiply by ", k));
        steps.push_back([k](int64_t v) { return v * k; });
        break;
      case 3:
        e = {cat(e.wrapped(), " // ", k), false, e.words};
        e.words.push_back(cat("floor-divide by ", k));
        steps.push_back([k](int64_t v) { return floor_div(v, k); });
        break;
      case 4:
        e = {cat(e.wrapped(), " % ", c + 1), false, e.words};
        e.words.push_back(cat("take the remainder mod ", c + 1));
        steps.push_back([c](int64_t v) { return py_mod(v, c + 1); });
        break;
      case 5:
        e = {cat(c + 10, " - ", e.wrapped()), false, e.words};
        e.words.push_back(cat("subtract it from ", c + 10));
        steps.push_back([c](int64_t v) { return c + 10 - v; });
        break;
      case 6:
        e = {cat("abs(", e.code, ")"), true, e.words};
        e.words.push_back("take the absolute value");
        steps.push_back([](int64_t v) { return v < 0 ? -v : v; });
        break;
      case 7:
        e = {cat("max(", e.code, ", ", b, ")"), true, e.words};
        e.words.push_back(cat("raise it to at least ", b));
        steps.push_back([b](int64_t v) { return std::max(v, b); });
        break;
      case 8:
        e = {cat("min(", e.code, ", ", b, ")"), true, e.words};
        e.words.push_back(cat("cap it at ", b));
        steps.push_back([b](int64_t v) { return std::min(v, b); });
        break;
      default:
        e = {cat(e.wrapped(), " * ", e.wrapped()), false, e.words};
        e.words.push_back("square it");
        steps.push_back([](int64_t v) { return v * v; });
        break;
    }
  }
  ComposedProgram p;
  p.code = cat("def f(n):\n    return ", e.code, "\n");
  p.spec = cat("returns what n becomes: ", joined(e.words));
  fill_cases(
      p, rng, n, [](Rng& g) { return json::array({g.range(-30, 60)}); },
      [&](const json& args) {
        int64_t v = args[0].get<int64_t>();
        for (const auto& s : steps) v = s(v);
        return json(v);
      });
  return p;
}

std::string sliced(const std::string& s, int64_t lo, int64_t hi) {
  const auto n = static_cast<int64_t>(s.size());
  lo = std::clamp<int64_t>(lo, 0, n);
  hi = std::clamp<int64_t>(hi, lo, n);
  return s.substr(static_cast<size_t>(lo), static_cast<size_t>(hi - lo));
}

std::string replaced(const std::string& s, char from, const std::string& to) {
  std::string out;
  for (char ch : s) {
    if (ch == from) {
      out += to;
    } else {
      out += ch;
    }
  }
  return out;
}

// 1-3 string steps on s, then maybe len, count or startswith.
ComposedProgram string_chain(Rng& rng, int n) {
  const std::string letters = "abcde";
  auto letter = [&] { return letters[rng.below(letters.size())]; };
  Expr e{"s", true, {}};
  std::vector<std::function<std::string(const std::string&)>> steps;
  const int64_t count = rng.range(1, 3);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t k = rng.range(1, 3);
    switch (rng.below(7)) {
      case 0:
        e = {cat(e.wrapped(), ".upper()"), true, e.words};
        e.words.push_back("upper-case it");
        steps.push_back([](std::string s) {
          for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          return s;
        });
        break;
      case 1:
        e = {cat(e.wrapped(), "[::-1]"), true, e.words};
        e.words.push_back("reverse it");
        steps.push_back([](std::string s) {
          std::reverse(s.begin(), s.end());
          return s;
        });
        break;
      case 2: {
        const char from = letter();
        const std::string to = rng.below(4) == 0 ? "" : std::string(1, letter());
        e = {cat(e.wrapped(), ".replace('", from, "', '", to, "')"), true, e.words};
        e.words.push_back(to.empty() ? cat("remove every ", from)
                                     : cat("replace every ", from, " with ", to));
        steps.push_back([from, to](const std::string& s) { return replaced(s, from, to); });
        break;
      }
      case 3:
        e = {cat(e.wrapped(), "[", k, ":]"), true, e.words};
        e.words.push_back(cat("drop the first ", k, " characters"));
        steps.push_back([k](const std::string& s) { return sliced(s, k, INT64_MAX); });
        break;
      case 4:
        e = {cat(e.wrapped(), "[:", k + 1, "]"), true, e.words};
        e.words.push_back(cat("keep the first ", k + 1, " characters"));
        steps.push_back([k](const std::string& s) { return sliced(s, 0, k + 1); });
        break;
      case 5: {
        const std::string tail = std::string(1, "xyz"[rng.below(3)]);
        e = {cat(e.wrapped(), " + '", tail, "'"), false, e.words};
        e.words.push_back(cat("append ", tail));
        steps.push_back([tail](const std::string& s) { return s + tail; });
        break;
      }
      default:
        e = {cat(e.wrapped(), " * 2"), false, e.words};
        e.words.push_back("repeat it twice");
        steps.push_back([](const std::string& s) { return s + s; });
        break;
    }
  }
  std::function<json(const std::string&)> last = [](const std::string& s) { return json(s); };
  switch (rng.below(5)) {
    case 0:
      e = {cat("len(", e.code, ")"), true, e.words};
      e.words.push_back("take its length");
      last = [](const std::string& s) { return json(static_cast<int64_t>(s.size())); };
      break;
    case 1: {
      const char ch = letter();
      e = {cat(e.wrapped(), ".count('", ch, "')"), true, e.words};
      e.words.push_back(cat("count its ", ch, "s"));
      last = [ch](const std::string& s) {
        return json(static_cast<int64_t>(std::count(s.begin(), s.end(), ch)));
      };
      break;
    }
    case 2: {
      const char ch = letter();
      e = {cat(e.wrapped(), ".startswith('", ch, "')"), true, e.words};
      e.words.push_back(cat("test whether it starts with ", ch));
      last = [ch](const std::string& s) { return json(!s.empty() && s[0] == ch); };
      break;
    }
    default:
      break;
  }
  ComposedProgram p;
  p.code = cat("def f(s):\n    return ", e.code, "\n");
  p.spec = cat("returns what s becomes: ", joined(e.words));
  fill_cases(
      p, rng, n,
      [&](Rng& g) {
        std::string s(static_cast<size_t>(g.range(0, 7)), ' ');
        for (auto& ch : s) ch = letters[g.below(letters.size())];
        return json::array({s});
      },
      [&](const json& args) {
        std::string v = args[0].get<std::string>();
        for (const auto& s : steps) v = s(v);
        return last(v);
      });
  return p;
}

}  // namespace

ComposedProgram compose_program(Rng& rng, int n_inputs) {
  R1_CHECK(n_inputs >= 1 && n_inputs <= 8, "pycompose: n_inputs must be in [1, 8]");
  for (int tries = 0;; ++tries) {
    ComposedProgram p;
    switch (rng.below(3)) {
      case 0:
        p = list_pipeline(rng, n_inputs);
        break;
      case 1:
        p = int_expression(rng, n_inputs);
        break;
      default:
        p = string_chain(rng, n_inputs);
        break;
    }
    const bool constant = std::all_of(p.outputs.begin(), p.outputs.end(),
                                      [&](const std::string& o) { return o == p.outputs[0]; });
    // A constant answer on every input is no rule to find; with one input nothing is known.
    if (!constant || n_inputs == 1 || tries == 50) return p;
  }
}

}  // namespace r1
