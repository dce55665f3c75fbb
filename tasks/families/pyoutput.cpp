// pyoutput: predict the exact output of a short generated Python program. The program is
// built as a tree (families/pyprog.h) from a sub-seed stored in meta.seed, run in C++ with
// Python's semantics for the gold output, and solve() rebuilds it from the seed to trace it
// line by line: assignments "x = 10", arithmetic as claims "7+3 = 10", // and % as one
// identity "472 = 10*47+2", conditions "7 > 4 is True", prints "output: 10".
#include "tasks/families/pyoutput.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/families/pyprog.h"
#include "tasks/meta.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

constexpr size_t kMaxTrace = 30;   // lines of worked solution; longer programs are redrawn
constexpr size_t kMaxOutput = 80;  // bytes of printed output

std::string word(Rng& rng, int64_t lo, int64_t hi, const std::string& alphabet) {
  std::string w(static_cast<size_t>(rng.range(lo, hi)), ' ');
  for (auto& ch : w) ch = alphabet[rng.below(alphabet.size())];
  return w;
}
const std::string kLetters = "abcdefghijklmnopqrstuvwxyz";

PyExprPtr V(const std::string& n) {
  return py_var(n);
}
PyExprPtr N(int64_t v) {
  return py_int(v);
}

// A small integer expression over `vars` and literals with `ops` operations, starting from a
// variable so the program's values flow into it; written in its one spelling (py_canonical_int:
// `a * 9` and `9 * a` were two programs with one output and two problem keys, and a held-out
// program's twin was trained on; an audit found 69 in a 500-task level-1 suite).
PyExprPtr int_expr(Rng& rng, const std::vector<std::string>& vars, int ops) {
  PyExprPtr e = V(vars[rng.below(vars.size())]);
  for (int k = 0; k < ops; ++k) {
    const char* names[] = {"+", "-", "*"};
    std::string op = names[rng.below(3)];
    PyExprPtr leaf = rng.below(3) == 0 ? V(vars[rng.below(vars.size())]) : N(rng.range(1, 9));
    e = rng.below(4) == 0 ? py_bin(op, leaf, e) : py_bin(op, e, leaf);
  }
  return py_canonical_int(e);
}

// ---- level 1: straight-line arithmetic ----
PyProgram straight_line(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("a", N(rng.range(2, 20))));
  int ops = static_cast<int>(rng.range(1, 2));
  p.push_back(py_assign("b", int_expr(rng, {"a"}, ops)));
  std::string last = "b";
  if (rng.below(2)) {
    ops = static_cast<int>(rng.range(1, 2));
    p.push_back(py_assign("c", int_expr(rng, {"a", "b"}, ops)));
    last = "c";
  }
  if (rng.below(2))
    p.push_back(py_print({V(last)}));
  else
    p.push_back(py_print({V("a"), V(last)}));
  return p;
}

// ---- level 2: a branch, or string operations ----
PyProgram branch(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("x", N(rng.range(2, 40))));
  PyExprPtr cond;
  switch (rng.below(3)) {
    case 0:
      cond = py_bin("==", py_bin("%", V("x"), N(rng.range(2, 5))), N(0));
      break;
    case 1:
      cond = py_bin(">", V("x"), N(rng.range(5, 35)));
      break;
    default:
      cond = py_bin("<", V("x"), N(rng.range(5, 35)));
      break;
  }
  if (rng.below(2)) {
    PyExprPtr yes = int_expr(rng, {"x"}, 1);
    PyExprPtr no = int_expr(rng, {"x"}, 1);
    p.push_back(py_if(cond, {py_assign("y", yes)}, {py_assign("y", no)}));
    p.push_back(py_print({V("x"), V("y")}));
  } else {
    const char* ops[] = {"+", "-", "*"};
    std::string op = ops[rng.below(3)];
    p.push_back(py_if(cond, {py_augassign("x", op, N(rng.range(2, 9)))}));
    p.push_back(py_print({V("x")}));
  }
  return p;
}

PyExprPtr string_op(Rng& rng, const std::string& v) {
  switch (rng.below(6)) {
    case 0:
      return py_bin("+", V(v), py_str(word(rng, 1, 3, kLetters)));
    case 1:
      return py_bin("*", V(v), N(rng.range(2, 3)));
    case 2:
      return py_upper(V(v));
    case 3:
      return py_slice(V(v), PyExpr::kNone, PyExpr::kNone, -1);
    case 4: {
      int64_t lo = rng.range(0, 1);  // one draw per statement: argument order is unspecified
      return py_slice(V(v), lo, rng.range(2, 3));
    }
    default:
      return py_bin("+", py_index(V(v), N(0)), py_index(V(v), N(-1)));
  }
}

PyProgram strings(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("s", py_str(word(rng, 3, 5, kLetters))));
  p.push_back(py_assign("t", string_op(rng, "s")));
  if (rng.below(2))
    p.push_back(py_print({V("t"), py_call("len", {V("t")})}));
  else
    p.push_back(py_print({V("t")}));
  return p;
}

// ---- level 3: a counted loop ----
PyProgram counted_loop(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("total", N(rng.range(0, 10))));
  int64_t lo = rng.range(0, 3), n = rng.range(2, 4);
  PyExprPtr update;
  switch (rng.below(4)) {
    case 0:
      update = py_bin("+", V("total"), py_bin("*", V("i"), N(rng.range(2, 5))));
      break;
    case 1:
      update = py_bin("+", py_bin("*", V("total"), N(2)), V("i"));
      break;
    case 2:
      update = py_bin("-", V("total"), V("i"));
      break;
    default:
      update = py_bin("+", V("total"), py_bin("*", V("i"), V("i")));
      break;
  }
  std::vector<PyStmt> body = {py_assign("total", update)};
  bool counting = rng.below(3) == 0;
  if (counting) {
    p.push_back(py_assign("count", N(0)));
    body.push_back(py_augassign("count", "+", N(1)));
  }
  p.push_back(py_for("i", py_call("range", {N(lo), N(lo + n)}), body));
  p.push_back(counting ? py_print({V("total"), V("count")}) : py_print({V("total")}));
  return p;
}

PyProgram loop_with_branch(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("total", N(rng.range(0, 5))));
  int64_t n = rng.range(3, 5), k = rng.range(2, 3);
  PyExprPtr cond = py_bin("==", py_bin("%", V("i"), N(k)), N(0));
  std::vector<PyStmt> yes = {py_augassign("total", "+", V("i"))};
  std::vector<PyStmt> no = {rng.below(2) ? py_augassign("total", "-", N(1))
                                         : py_augassign("total", "*", N(2))};
  p.push_back(py_for("i", py_call("range", {N(1), N(n + 1)}), {py_if(cond, yes, no)}));
  p.push_back(py_print({V("total")}));
  return p;
}

// ---- level 4: lists and loops over sequences ----
std::vector<int64_t> small_list(Rng& rng, int64_t lo_len, int64_t hi_len) {
  std::vector<int64_t> xs(static_cast<size_t>(rng.range(lo_len, hi_len)));
  for (auto& x : xs) x = rng.range(1, 20);
  return xs;
}

PyProgram list_ops(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("xs", py_list(small_list(rng, 3, 4))));
  p.push_back(py_append("xs", N(rng.range(1, 20))));
  if (rng.below(2))
    p.push_back(py_append("xs", py_bin("+", py_index(V("xs"), N(0)), py_index(V("xs"), N(-1)))));
  switch (rng.below(3)) {
    case 0:
      p.push_back(py_print({py_call("sum", {V("xs")}), py_call("max", {V("xs")})}));
      break;
    case 1:
      p.push_back(py_print({py_call("sorted", {V("xs")})}));
      break;
    default:
      p.push_back(py_print({py_call("len", {V("xs")}), py_index(V("xs"), N(1))}));
      break;
  }
  return p;
}

PyProgram list_build(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("xs", py_list({})));
  int64_t n = rng.range(3, 4), k = rng.range(2, 5), c = rng.range(0, 5);
  p.push_back(py_for("i", py_call("range", {N(n)}),
                     {py_append("xs", py_bin("+", py_bin("*", V("i"), N(k)), N(c)))}));
  p.push_back(py_print({V("xs"), py_call("sum", {V("xs")})}));
  return p;
}

PyProgram char_loop(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("s", py_str(word(rng, 3, 5, "abcde"))));
  if (rng.below(2)) {
    p.push_back(py_assign("n", N(0)));
    PyExprPtr cond = rng.below(2)
                         ? py_bin("==", V("ch"), py_str(std::string(1, "abcde"[rng.below(5)])))
                         : py_bin("in", V("ch"), py_str("aeiou"));
    p.push_back(py_for("ch", V("s"), {py_if(cond, {py_augassign("n", "+", N(1))})}));
    p.push_back(py_print({V("n")}));
  } else {
    p.push_back(py_assign("t", py_str("")));
    PyExprPtr update = rng.below(2) ? py_bin("+", V("ch"), V("t"))
                                    : py_bin("+", V("t"), py_bin("*", V("ch"), N(2)));
    p.push_back(py_for("ch", V("s"), {py_assign("t", update)}));
    p.push_back(py_print({V("t")}));
  }
  return p;
}

// ---- level 5: while loops with // and % ----
PyProgram digit_loop(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("n", N(rng.range(10, 999))));
  p.push_back(py_assign("r", N(0)));
  PyExprPtr digit = py_bin("%", V("n"), N(10));
  PyExprPtr update;
  switch (rng.below(3)) {
    case 0:
      update = py_bin("+", V("r"), digit);
      break;  // digit sum
    case 1:
      update = py_bin("+", py_bin("*", V("r"), N(10)), digit);
      break;  // reversal
    default:
      update = py_bin("+", V("r"), N(1));
      break;  // digit count
  }
  p.push_back(py_while(py_bin(">", V("n"), N(0)),
                       {py_assign("r", update), py_assign("n", py_bin("//", V("n"), N(10)))}));
  p.push_back(py_print({V("r")}));
  return p;
}

PyProgram halving(Rng& rng) {
  PyProgram p;
  p.push_back(py_assign("n", N(rng.range(10, 99))));
  p.push_back(py_assign("c", N(0)));
  int64_t k = rng.range(2, 3);
  p.push_back(py_while(py_bin(">", V("n"), N(1)),
                       {py_augassign("n", "//", N(k)), py_augassign("c", "+", N(1))}));
  p.push_back(py_print({V("c"), V("n")}));
  return p;
}

PyProgram euclid(Rng& rng) {
  PyProgram p;
  int64_t g = rng.range(1, 9), a = g * rng.range(2, 12), b = g * rng.range(2, 12);
  p.push_back(py_assign("a", N(a)));
  p.push_back(py_assign("b", N(b)));
  p.push_back(
      py_while(py_bin(">", V("b"), N(0)), {py_assign("t", py_bin("%", V("a"), V("b"))),
                                           py_assign("a", V("b")), py_assign("b", V("t"))}));
  p.push_back(py_print({V("a")}));
  return p;
}

using Shape = PyProgram (*)(Rng&);
const std::vector<std::vector<Shape>> kShapes = {
    {straight_line},
    {branch, strings},
    {counted_loop, loop_with_branch},
    {list_ops, list_build, char_loop},
    {digit_loop, halving, euclid},
};

struct Built {
  PyProgram program;
  std::string source;
  PyRun run;
};

// Draws programs from Rng(seed) until one runs cleanly within the size limits.
Built build(uint64_t seed, int difficulty) {
  Rng rng(seed, 0);
  const auto& shapes = kShapes[static_cast<size_t>(difficulty - 1)];
  for (int attempt = 0;; ++attempt) {
    R1_CHECK(attempt < 1000, "pyoutput: no valid program at difficulty ", difficulty);
    Shape shape = shapes[rng.below(shapes.size())];
    Built b;
    b.program = shape(rng);
    try {
      b.run = py_run(b.program);
    } catch (const Error&) {
      continue;  // out of range or runaway: draw again
    }
    if (b.run.trace.size() > kMaxTrace || b.run.output.size() > kMaxOutput) continue;
    b.source = py_source(b.program);
    return b;
  }
}

std::string strip_newlines(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

uint64_t task_seed(const Task& task) {
  std::string seed_text = meta_string(task, "seed");
  uint64_t seed = 0;
  for (char ch : seed_text) {
    if (ch < '0' || ch > '9' || seed_text.size() > 20)
      fail("task ", task.id, ": meta.seed is not a number");
    seed = seed * 10 + static_cast<uint64_t>(ch - '0');
  }
  return seed;
}

// The program of a generated task, rebuilt from its meta.seed and checked against meta.program.
Built rebuild(const Task& task) {
  const uint64_t seed = task_seed(task);
  if (task.difficulty < 1 || task.difficulty > static_cast<int>(kShapes.size())) {
    fail("task ", task.id, ": pyoutput difficulty ", task.difficulty, " out of range 1..",
         kShapes.size());
  }
  Built b = build(seed, task.difficulty);
  if (b.source != meta_string(task, "program")) {
    fail("task ", task.id, ": meta.program does not match the program of meta.seed");
  }
  return b;
}

class PyoutputGenerator : public TaskGenerator {
 public:
  std::string family() const override { return "pyoutput"; }
  std::string summary() const override {
    return "predict the exact output of a short Python program (verifier: exact)";
  }
  int max_difficulty() const override { return static_cast<int>(kShapes.size()); }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    uint64_t seed = rng.next_u64();
    Built b = build(seed, difficulty);
    Task t;
    t.family = family();
    t.difficulty = difficulty;
    t.verifier = "exact";
    t.prompt = cat("What does this Python program print?\n", strip_newlines(b.source));
    t.answer = strip_newlines(b.run.output);
    // The seed as text: JSON readers in other languages lose precision on 64-bit integers.
    t.meta = {{"program", b.source}, {"seed", std::to_string(seed)}};
    return t;
  }

  // The problem is the program. Its key is the one its function form (pyoutput.h) on its own
  // literals has as a self-play deduction, so a held-out task also holds out that deduction: no
  // seed or proposal shows its answer (many programs become one function once their literals
  // are lifted, and a seed's drawn input can be a held-out program's). One with nothing to lift
  // (or read from a file, its seed not rebuilding it) keeps the prompt's key.
  std::string problem_key(const Task& task) const override {
    try {
      if (auto fn = pyoutput_function(task, 1))
        return deduction_problem_key(fn->code, "f", fn->inputs[0]);
    } catch (const Error&) {
    }
    return TaskGenerator::problem_key(task);
  }

  std::string solve(const Task& task) const override {
    Built b = rebuild(task);
    return format_solution(b.run.trace, strip_newlines(b.run.output));
  }
};

}  // namespace

std::unique_ptr<TaskGenerator> make_pyoutput_generator() {
  return std::make_unique<PyoutputGenerator>();
}

}  // namespace r1

namespace r1 {
namespace {

// An accumulator's start: a literal the body builds on, which stays in the body.
bool empty_start(const PyVal& v) {
  switch (v.kind) {
    case PyVal::Kind::Int:
    case PyVal::Kind::Bool:
      return v.i == 0;
    case PyVal::Kind::Str:
      return v.s.empty();
    case PyVal::Kind::List:
      return v.items.empty();
  }
  return false;
}

// Another value like `v`: a positive int up to a few times it, a word of its letters (of
// "abcde" when it has no others, as pyoutput's character loops count them), a list of 1..20 of
// about its length. Never empty: the programs index strings (s[0] + s[-1]).
PyVal like(const PyVal& v, Rng& rng) {
  switch (v.kind) {
    case PyVal::Kind::Int:
    case PyVal::Kind::Bool:
      return PyVal::integer(rng.range(1, std::max<int64_t>(12, 3 * v.i)));
    case PyVal::Kind::Str: {
      const bool abcde = v.s.find_first_not_of("abcde") == std::string::npos;
      const std::string letters = abcde ? "abcde" : kLetters;
      return PyVal::text(word(rng, std::max<int64_t>(1, static_cast<int64_t>(v.s.size()) - 1),
                              static_cast<int64_t>(v.s.size()) + 1, letters));
    }
    case PyVal::Kind::List: {
      std::vector<PyVal> items(static_cast<size_t>(
          rng.range(std::max<int64_t>(1, static_cast<int64_t>(v.items.size()) - 1),
                    static_cast<int64_t>(v.items.size()) + 1)));
      for (auto& x : items) x = PyVal::integer(rng.range(1, 20));
      return PyVal::list(std::move(items));
    }
  }
  return v;
}

std::string indented(const std::string& code) {
  std::string out, line;
  for (char ch : code) {
    line += ch;
    if (ch == '\n') {
      out += (line == "\n" ? "" : "    ") + line;
      line.clear();
    }
  }
  return out;
}

}  // namespace

std::optional<PyoutputFunction> pyoutput_function(const Task& task, int n_inputs) {
  R1_CHECK(n_inputs >= 1, "pyoutput_function: n_inputs must be >= 1");
  if (task.family != "pyoutput") fail("task ", task.id, ": not a pyoutput task");
  const PyProgram program = rebuild(task).program;
  R1_CHECK(!program.empty() && program.back().kind == PyStmt::Kind::Print,
           "pyoutput: a program that does not end in print");
  std::vector<std::string> params;
  std::vector<PyVal> values;
  size_t first = 0;
  for (; first + 1 < program.size(); ++first) {
    const PyStmt& s = program[first];
    if (s.kind != PyStmt::Kind::Assign || s.expr->kind != PyExpr::Kind::Const) break;
    const bool empty = empty_start(s.expr->value);
    if (first == 0 ? empty && s.expr->value.kind != PyVal::Kind::Int : empty) break;
    params.push_back(s.target);
    values.push_back(s.expr->value);
  }
  if (params.empty()) return std::nullopt;

  PyoutputFunction out;
  std::string signature, returned;
  for (const std::string& p : params) signature += cat(signature.empty() ? "" : ", ", p);
  const PyStmt& print = program.back();
  for (const PyExprPtr& a : print.args)
    returned += cat(returned.empty() ? "" : ", ", py_source(*a));
  const PyProgram body(program.begin() + static_cast<ptrdiff_t>(first), program.end() - 1);
  out.code =
      cat("def f(", signature, "):\n", indented(py_source(body)), "    return ", returned, "\n");

  auto source = [](const std::vector<PyVal>& vs) {
    std::string src;
    for (const PyVal& v : vs) src += cat(src.empty() ? "" : ", ", v.repr());
    return src;
  };
  std::set<std::string> seen = {source(values)};
  out.inputs.push_back(source(values));
  Rng rng(task_seed(task), 7);  // another stream than the program's own
  for (int tries = 0; static_cast<int>(out.inputs.size()) < n_inputs && tries < 1000; ++tries) {
    std::vector<PyVal> drawn;
    for (const PyVal& v : values) drawn.push_back(like(v, rng));
    if (seen.insert(source(drawn)).second) out.inputs.push_back(source(drawn));
  }
  return out;
}

}  // namespace r1
