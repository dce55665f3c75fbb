// The python verifier on HumanEval-shaped (tests) and pyfunc-shaped (cases) tasks: right
// answers pass, wrong ones fail with the right reason, and nothing throws.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/common/sandbox_fixture.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

using testing::answer;
using testing::cases_rev_task;
using testing::humaneval_add_task;
using testing::shared_python_verifier;

Verdict check(const Task& t, const std::string& completion) {
  return shared_python_verifier().verify(t, completion);
}

TEST(PythonVerifier, IsRegistered) {
  ASSERT_TRUE(has_verifier("python"));
  auto v = make_verifier("python", json::object());
  EXPECT_EQ(v->name(), "python");
  EXPECT_THROW(make_verifier("python", json{{"sandbox", {{"bogus", 1}}}}), Error);
}

TEST(PythonVerifier, TestsTaskRightAnswers) {
  Task t = humaneval_add_task();
  Verdict v = check(t, answer("def add(a, b):\n    return a + b"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  EXPECT_EQ(v.score, 1.0);
  EXPECT_EQ(v.reason, "ok");
  EXPECT_TRUE(v.format_ok);
  // A body that continues the prompt, inside <answer> or as a raw HumanEval completion.
  v = check(t, answer("    return a + b"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  EXPECT_TRUE(v.details.value("prompt_prepended", false));
  v = check(t, "    return b + a\n");
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  EXPECT_FALSE(v.format_ok);
  // A fenced block after some prose.
  v = check(t, "Here it is:\n```python\ndef add(a, b):\n    return sum([a, b])\n```\n");
  EXPECT_TRUE(v.correct) << v.to_json().dump();
}

// A whole function written anew has the prompt's imports and helpers: "from typing import
// List" need not be repeated, and a helper the prompt defines may be called. The solution's own
// definitions win, and the prompt's stub of the entry point is not run over the solution's.
TEST(PythonVerifier, AWholeFunctionHasThePromptsImportsAndHelpers) {
  Task t = humaneval_add_task();
  t.prompt =
      "LIMIT = 10 ** 6\n\ndef clamp(x, hi=LIMIT):\n    return min(x, hi)\n\n"
      "from typing import List\nimport math\n\n\ndef twice(x: int) -> int:\n    return 2 * x\n\n\n"
      "def add(a: int, b: int) -> int:\n    \"\"\"Return the sum of a and b.\"\"\"\n";
  Verdict v = check(t, answer("def add(a: int, b: int) -> int:\n    xs: List[int] = [a, b]\n"
                              "    return clamp(int(math.fsum(xs)) + twice(0), LIMIT)"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  EXPECT_TRUE(v.details.value("prompt_context", false)) << v.to_json().dump();
  v = check(t,
            answer("def twice(x):\n    return 0\n\ndef add(a, b):\n    return a + b + twice(5)"));
  EXPECT_TRUE(v.correct) << "the solution's own twice wins: " << v.to_json().dump();
  v = check(t, answer("def add(a: int, b: int) -> int:\n    return twice(a)"));
  EXPECT_FALSE(v.correct);
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
}

TEST(PythonVerifier, TestsTaskWrongAnswers) {
  Task t = humaneval_add_task();
  struct Row {
    std::string completion, reason;
  } rows[] = {
      {answer("def add(a, b):\n    return a - b"), "wrong_answer"},
      {answer("def add(a, b):\n    return a +"), "syntax_error"},
      {answer("def add(a, b):\n    raise ValueError('no')"), "runtime_error"},
      {answer("def add(a, b):\n    return None"), "wrong_answer"},
      {answer("    pass"), "wrong_answer"},
      {answer("import nonexistent_module_xyz\ndef add(a, b):\n    return a + b"), "runtime_error"},
      {answer("def add(a, b):\n    return [].x"), "runtime_error"},
      {"<think>no answer here</think>", "no_code"},
      {"", "no_code"},
  };
  for (const auto& row : rows) {
    Verdict v = check(t, row.completion);
    EXPECT_FALSE(v.correct) << row.completion;
    EXPECT_EQ(v.score, 0.0) << row.completion;
    EXPECT_EQ(v.reason, row.reason) << row.completion << "\n" << v.to_json().dump();
    EXPECT_FALSE(v.verifier_error) << row.completion;
  }
}

TEST(PythonVerifier, BareAssertTests) {
  // MBPP form: the tests name the function directly.
  Task t;
  t.id = "test/mbpp";
  t.verifier = "python";
  t.entry_point = "double";
  t.prompt = "Write a function double(x) that returns 2*x.";
  t.tests = "import math\nassert double(2) == 4\nassert math.isclose(double(0.5), 1.0)\n";
  EXPECT_TRUE(check(t, answer("def double(x):\n    return 2 * x")).correct);
  Verdict v = check(t, answer("def double(x):\n    return x + 2"));
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
}

TEST(PythonVerifier, CasesTask) {
  Task t = cases_rev_task();
  Verdict v = check(t, answer("def rev(x):\n    return x[::-1]"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  EXPECT_EQ(v.details.value("passed", 0), 3);
  EXPECT_EQ(v.details.value("total", 0), 3);
  // Tuples travel as arrays.
  v = check(
      t, answer("def rev(x):\n    return x[::-1] if isinstance(x, str) else tuple(reversed(x))"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();

  v = check(t, answer("def rev(x):\n    return x[::-1] if x else None"));
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
  EXPECT_EQ(v.details.value("passed", -1), 2);
  EXPECT_EQ(v.details["first_failure"].value("case", -1), 1);

  v = check(t, answer("def rev(x):\n    if not x: raise KeyError(1)\n    return x[::-1]"));
  EXPECT_EQ(v.reason, "runtime_error") << v.to_json().dump();
  v = check(t, answer("def other(x):\n    return x[::-1]"));
  EXPECT_EQ(v.reason, "no_entry_point") << v.to_json().dump();
  // A set is not a list, even with the same elements.
  v = check(t, answer("def rev(x):\n    return set(x)"));
  EXPECT_EQ(v.reason, "wrong_answer") << v.to_json().dump();
}

TEST(PythonVerifier, BadTasksAreVerifierErrors) {
  Task t = humaneval_add_task();
  t.tests.clear();
  Verdict v = check(t, answer("def add(a, b): return a + b"));
  EXPECT_TRUE(v.verifier_error);
  Task c = cases_rev_task();
  c.entry_point.clear();
  EXPECT_TRUE(check(c, answer("def rev(x): return x")).verifier_error);
  // check(candidate) with nothing to call it with: any code would pass (a reward hack).
  Task unwired = humaneval_add_task();
  unwired.entry_point.clear();
  v = check(unwired, answer("x = 1"));
  EXPECT_TRUE(v.verifier_error) << v.to_json().dump();
  EXPECT_EQ(v.reason, "bad_task");
  EXPECT_FALSE(v.correct);
  Task broken = humaneval_add_task();
  broken.tests = "def check(candidate:\n";
  v = check(broken, answer("def add(a, b): return a + b"));
  EXPECT_TRUE(v.verifier_error) << v.to_json().dump();
  EXPECT_EQ(v.reason, "harness_error");
}

TEST(PythonVerifier, MissingInterpreterIsAVerifierError) {
  PythonVerifierOptions o;
  o.sandbox.python = "/nonexistent/python3";
  PythonVerifier v(o);
  Verdict d = v.verify(humaneval_add_task(), answer("def add(a, b): return a + b"));
  EXPECT_TRUE(d.verifier_error);
  EXPECT_EQ(d.reason, "sandbox_error");
  EXPECT_NE(d.details.value("error", std::string()).find("/nonexistent/python3"),
            std::string::npos);
}

TEST(PythonVerifier, AnyBytesGiveAVerdict) {
  Task t = humaneval_add_task();
  for (std::string s :
       {std::string("\xff\xfe\x00\x01", 4), std::string("<answer>\x80\x81</answer>"),
        std::string("<answer>```python\n\xc3\x28\n```</answer>"), std::string(300000, 'x')}) {
    Verdict v;
    EXPECT_NO_THROW(v = check(t, s));
    EXPECT_FALSE(v.correct);
  }
}

TEST(PythonVerifier, ConcurrentCallsFromManyThreads) {
  Task good = humaneval_add_task();
  std::vector<std::future<Verdict>> futs;
  for (int i = 0; i < 16; ++i) {
    futs.push_back(std::async(std::launch::async, [&, i] {
      return check(good, answer(i % 2 ? "def add(a, b):\n    return a + b"
                                      : "def add(a, b):\n    return a * b"));
    }));
  }
  for (int i = 0; i < 16; ++i) {
    Verdict v = futs[i].get();
    EXPECT_EQ(v.correct, i % 2 == 1) << i << " " << v.to_json().dump();
  }
}

}  // namespace
}  // namespace r1
