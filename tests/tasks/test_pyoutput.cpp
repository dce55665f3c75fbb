// pyoutput: the C++ runner of the Python subset matches real Python on generated programs,
// and its semantics match Python on the tricky spots (floor division, slices, reprs).
#include <gtest/gtest.h>

#include <set>

#include "tasks/families/pyoutput.h"
#include "tasks/families/pyprog.h"
#include "tasks/generator.h"
#include "tasks/holdout.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/suite.h"
#include "test_util.h"

using namespace r1;

TEST(Pyprog, FloorDivisionAndModuloFollowPython) {
  PyProgram p = {
      py_print({py_bin("//", py_int(-7), py_int(2)), py_bin("%", py_int(-7), py_int(2)),
                py_bin("//", py_int(7), py_int(-2)), py_bin("%", py_int(7), py_int(-2))})};
  PyRun r = py_run(p);
  EXPECT_EQ(r.output, "-4 1 -4 -1\n");
  // One identity line per // or %, true as arithmetic.
  EXPECT_EQ(r.trace[0], "-7 = 2*(-4)+1");
}

// One spelling per integer sum and product: a program and its commuted twin were two problems
// with one output, so a held-out program's twin was trained on.
TEST(Pyprog, IntegerSumsAndProductsHaveOneSpelling) {
  auto a = py_var("a"), b = py_var("b");
  auto n = [](int64_t v) { return py_int(v); };
  auto src = [](const PyExprPtr& e) { return py_source(*py_canonical_int(e)); };
  EXPECT_EQ(src(py_bin("*", n(9), a)), "a * 9");
  EXPECT_EQ(src(py_bin("*", a, n(9))), "a * 9");
  const std::string sum = src(py_bin("+", py_bin("+", a, n(3)), n(4)));
  EXPECT_EQ(sum, "a + 3 + 4");
  EXPECT_EQ(src(py_bin("+", n(4), py_bin("+", a, n(3)))), sum);
  EXPECT_EQ(src(py_bin("+", py_bin("+", a, n(4)), n(3))), sum);
  EXPECT_EQ(src(py_bin("+", b, a)), src(py_bin("+", a, b)));
  // Other operators keep their order; their operands are made canonical inside.
  EXPECT_EQ(src(py_bin("-", n(3), a)), "3 - a");
  EXPECT_EQ(src(py_bin("-", py_bin("*", n(2), a), n(1))), "a * 2 - 1");
  EXPECT_EQ(src(py_bin("*", n(2), py_bin("+", n(3), a))), "(a + 3) * 2");
  EXPECT_EQ(src(py_bin("+", n(2), py_bin("-", a, n(3)))), "a - 3 + 2");
  // The value is the same (Python's integers: + and * commute and associate exactly).
  PyProgram p = {py_assign("a", n(7)),
                 py_assign("b", py_bin("*", n(2), py_bin("+", n(3), py_var("a")))),
                 py_print({py_var("b")})};
  PyProgram q = p;
  q[1] = py_assign("b", py_canonical_int(p[1].expr));
  EXPECT_EQ(py_run(p).output, py_run(q).output);
  // Generated programs are written so: no literal heads a sum or product.
  for (int level : {1, 2}) {
    for (const Task& t : generate_tasks("pyoutput", 2000, 31, level)) {
      const std::string prog = t.meta["program"].get<std::string>();
      for (const char* bad :
           {"= 1 ", "= 2 ", "= 3 ", "= 4 ", "= 5 ", "= 6 ", "= 7 ", "= 8 ", "= 9 "}) {
        const size_t at = prog.find(bad);
        if (at == std::string::npos) continue;
        const char op = prog[at + 4];
        EXPECT_TRUE(op != '+' && op != '*') << prog;
      }
    }
  }
}

TEST(Pyprog, StringsListsAndReprs) {
  PyProgram p = {
      py_assign("s", py_str("hello")),
      py_print({py_slice(py_var("s"), 1, 3),
                py_slice(py_var("s"), PyExpr::kNone, PyExpr::kNone, -1),
                py_slice(py_var("s"), -2, PyExpr::kNone), py_upper(py_var("s")),
                py_index(py_var("s"), py_int(-1))}),
      py_assign("xs", py_list({3, 1, 2})),
      py_append("xs", py_int(5)),
      py_print({py_var("xs"), py_call("sorted", {py_var("xs")}), py_call("sum", {py_var("xs")}),
                py_call("len", {py_var("xs")})}),
      py_print(
          {py_bin("==", py_var("s"), py_str("hello")), py_bin("in", py_str("ell"), py_var("s"))}),
  };
  PyRun r = py_run(p);
  EXPECT_EQ(r.output, "el olleh lo HELLO o\n[3, 1, 2, 5] [1, 2, 3, 5] 11 4\nTrue True\n");
  EXPECT_EQ(py_source(p),
            "s = \"hello\"\nprint(s[1:3], s[::-1], s[-2:], s.upper(), s[-1])\nxs = [3, 1, "
            "2]\nxs.append(5)\n"
            "print(xs, sorted(xs), sum(xs), len(xs))\nprint(s == \"hello\", \"ell\" in s)\n");
  EXPECT_EQ(r.trace[0], "s = 'hello'");
  EXPECT_NE(std::find(r.trace.begin(), r.trace.end(), "3+1+2+5 = 11"), r.trace.end());
}

TEST(Pyprog, ParenthesesFollowPrecedence) {
  auto e = py_bin("*", py_bin("+", py_var("a"), py_int(1)), py_bin("-", py_var("b"), py_int(2)));
  EXPECT_EQ(py_source(*e), "(a + 1) * (b - 2)");
  auto f = py_bin("-", py_var("a"), py_bin("-", py_var("b"), py_var("c")));
  EXPECT_EQ(py_source(*f), "a - (b - c)");
  auto g = py_bin("+", py_bin("*", py_var("a"), py_int(2)), py_var("b"));
  EXPECT_EQ(py_source(*g), "a * 2 + b");
}

TEST(Pyprog, RunawayAndOutOfSubsetThrow) {
  PyProgram loop = {py_assign("n", py_int(1)), py_while(py_bin(">", py_var("n"), py_int(0)),
                                                        {py_augassign("n", "+", py_int(1))})};
  EXPECT_THROW(py_run(loop), Error);
  PyProgram undefined = {py_print({py_var("zz")})};
  EXPECT_THROW(py_run(undefined), Error);
  PyProgram big = {py_assign("n", py_int(999999)), py_augassign("n", "*", py_int(999999))};
  EXPECT_THROW(py_run(big), Error);
}

TEST(Pyoutput, TaskFormat) {
  for (const auto& t : generate_tasks("pyoutput", 50, 4, 0)) {
    EXPECT_EQ(t.verifier, "exact");
    EXPECT_EQ(t.prompt, "What does this Python program print?\n" +
                            t.meta["program"].get<std::string>().substr(
                                0, t.meta["program"].get<std::string>().size() - 1));
    EXPECT_FALSE(t.answer.empty());
    EXPECT_NE(t.answer.back(), '\n');
  }
}

TEST(Pyoutput, SolveRefusesAProgramThatDoesNotMatchItsSeed) {
  Task t = generate_tasks("pyoutput", 1, 4, 3)[0];
  t.meta["program"] = "print(1)\n";
  EXPECT_THROW(make_generator("pyoutput")->solve(t), Error);
}

// The gold outputs, computed in C++, equal what python3 prints for the same source.
TEST(Pyoutput, MatchesRealPython) {
  if (!r1_test::have_python3())
    GTEST_SKIP() << "/usr/bin/python3 not found; skipping the Python cross-check";
  json items = json::array();
  auto gen = make_generator("pyoutput");
  for (int d = 1; d <= gen->max_difficulty(); ++d) {
    for (const auto& t : generate_tasks("pyoutput", 40, 31, d)) {
      items.push_back({{"id", t.id}, {"program", t.meta["program"]}, {"answer", t.answer}});
    }
  }
  r1_test::TempDir dir;
  std::string input = dir.write("programs.json", items.dump());
  std::string script = dir.write("run.py", R"PY(
import contextlib, io, json, sys
bad = 0
for it in json.load(open(sys.argv[1])):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(it["program"], {})
    if buf.getvalue() != it["answer"] + "\n":
        print("MISMATCH", it["id"], repr(buf.getvalue()), repr(it["answer"]))
        bad += 1
print("checked", bad)
)PY");
  auto r = r1_test::run_command("/usr/bin/python3 '" + script + "' '" + input + "'", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("checked 0"), std::string::npos) << r.out << r.err;
}

// Self-play's pyoutput seeds (tasks/families/pyoutput.h): the program written as a function
// returns, on the program's own literals, what the program prints; its other inputs run too.
TEST(Pyoutput, AsAFunctionReturnsWhatTheProgramPrints) {
  if (!r1_test::have_python3())
    GTEST_SKIP() << "/usr/bin/python3 not found; skipping the Python cross-check";
  json items = json::array();
  auto gen = make_generator("pyoutput");
  for (int d = 1; d <= gen->max_difficulty(); ++d) {
    int lifted = 0;
    for (const auto& t : generate_tasks("pyoutput", 40, 37, d)) {
      auto fn = pyoutput_function(t, 4);
      if (!fn) {  // only a program that starts from an empty list has nothing to lift
        EXPECT_EQ(t.meta["program"].get<std::string>().rfind("xs = []\n", 0), 0u)
            << t.meta["program"];
        continue;
      }
      ++lifted;
      EXPECT_EQ(fn->code.rfind("def f(", 0), 0u) << fn->code;
      EXPECT_EQ(fn->code.find("print("), std::string::npos) << fn->code;
      ASSERT_EQ(fn->inputs.size(), 4u) << fn->code;
      EXPECT_EQ(std::set<std::string>(fn->inputs.begin(), fn->inputs.end()).size(), 4u);
      items.push_back({{"id", t.id},
                       {"program", t.meta["program"]},
                       {"code", fn->code},
                       {"inputs", fn->inputs},
                       {"answer", t.answer}});
    }
    EXPECT_GE(lifted, 25) << "level " << d;
  }
  r1_test::TempDir dir;
  std::string input = dir.write("functions.json", items.dump());
  std::string script = dir.write("run.py", R"PY(
import json, sys
bad = 0
for it in json.load(open(sys.argv[1])):
    env = {}
    exec(it["code"], env)
    results = [env["f"](*eval("(" + src + ",)")) for src in it["inputs"]]
    # The first input is the value the program's first line assigns.
    name, literal = it["program"].split("\n")[0].split(" = ", 1)
    if eval("(" + it["inputs"][0] + ",)")[0] != eval(literal) or not it["code"].startswith("def f(" + name):
        print("NOT ITS LITERAL", it["id"], it["inputs"][0], it["program"], it["code"])
        bad += 1
    r = results[0]
    printed = " ".join(str(x) for x in r) if isinstance(r, tuple) else str(r)
    if printed != it["answer"]:
        print("MISMATCH", it["id"], repr(printed), repr(it["answer"]), it["code"])
        bad += 1
print("checked", len(json.load(open(sys.argv[1]))), "bad", bad)
)PY");
  auto r = r1_test::run_command("/usr/bin/python3 '" + script + "' '" + input + "'", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(cat("checked ", items.size(), " bad 0")), std::string::npos)
      << r.out << r.err;
}

// A held-out pyoutput task holds out its program written as a function on its own literals (a
// deduction problem), so no self-play seed or proposal shows that answer: many programs become
// one function once their literals are lifted, and a seed's drawn input can be a held-out one.
TEST(Pyoutput, AHeldOutTaskHoldsOutItsFunctionForm) {
  const Holdout h("pyoutput:n=60:seed=9002");
  int checked = 0;
  for (const Task& t : load_suite(parse_suites("pyoutput:n=60:seed=9002").at(0))) {
    auto fn = pyoutput_function(t, 1);
    if (!fn) continue;
    EXPECT_TRUE(h.contains_key(deduction_problem_key(fn->code, "f", fn->inputs[0])))
        << fn->code << fn->inputs[0];
    ++checked;
  }
  EXPECT_GE(checked, 40);
}
