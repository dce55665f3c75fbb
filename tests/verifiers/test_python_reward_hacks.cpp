// Reward hacks against the python verifier: a wrong solution that games the harness must score
// exactly 0, never 1 and never a verifier error (which would drop the sample instead of scoring
// it). Each test here failed before the fix it guards.
#include <signal.h>

#include <string>
#include <vector>

#include "tests/common/sandbox_fixture.h"

namespace r1 {
namespace {

using testing::answer;
using testing::cases_rev_task;
using testing::humaneval_add_task;
constexpr auto check = testing::verify_python;

// add(a, b), checked by tests that lean on one builtin each.
Task add_task_with_tests(const std::string& tests) {
  Task t = humaneval_add_task();
  t.tests = tests;
  return t;
}

TEST(PythonRewardHack, ShadowedBuiltinsDoNotReachTheTests) {
  struct Row {
    std::string builtin_use;  // the check's body
    std::string shadow;       // what the wrong solution defines beside add
  };
  const std::vector<Row> rows = {
      {"    for i in range(3):\n        assert candidate(i, i) == 2 * i\n",
       "def range(*a, **k):\n    return []"},
      {"    assert abs(candidate(1, 2) - 3) < 1e-9\n", "def abs(x):\n    return 0"},
      {"    assert all(candidate(i, 1) == i + 1 for i in (1, 2))\n",
       "def all(*a):\n    return True"},
      {"    assert len([x for x in (candidate(1, 2),) if x == 3]) == 1\n",
       "def len(*a):\n    return 1"},
      {"    assert sorted([candidate(2, 1), 0]) == [0, 3]\n", "def sorted(*a):\n    return [0, 3]"},
      {"    assert isinstance(candidate(1, 2), int) and sum([candidate(1, 2)]) == 3\n",
       "def sum(*a):\n    return 3"},
      {"    assert max(candidate(1, 2), 3) == 3 and min(candidate(1, 2), 3) == 3\n",
       "def max(*a):\n    return 3\ndef min(*a):\n    return 3"},
      {"    assert str(candidate(1, 2)) == '3'\n", "def str(*a):\n    return '3'"},
      {"    assert any(candidate(1, 2) == v for v in [3])\n", "def any(*a):\n    return True"},
      {"    assert list(map(candidate, [1], [2])) == [3]\n", "def map(*a):\n    return [3]"},
  };
  for (const Row& row : rows) {
    Task t = add_task_with_tests("def check(candidate):\n" + row.builtin_use);
    // The honest solution passes these tests ...
    Verdict good = check(t, answer("def add(a, b):\n    return a + b"));
    EXPECT_TRUE(good.correct) << row.builtin_use << good.to_json().dump();
    // ... and the wrong one that shadows the builtin does not.
    Verdict v = check(t, answer("def add(a, b):\n    return 7\n" + row.shadow));
    EXPECT_EQ(v.score, 0.0) << row.shadow << "\n" << v.to_json().dump();
    EXPECT_FALSE(v.correct) << row.shadow;
    EXPECT_FALSE(v.verifier_error) << row.shadow << "\n" << v.to_json().dump();
  }
  // MBPP form: bare asserts in the tests' own namespace.
  Task mbpp;
  mbpp.id = "test/mbpp-shadow";
  mbpp.verifier = "python";
  mbpp.entry_point = "double";
  mbpp.prompt = "Write a function double(x) that returns 2*x.";
  mbpp.tests = "for x in range(4):\n    assert double(x) == 2 * x\n";
  EXPECT_TRUE(check(mbpp, answer("def double(x):\n    return 2 * x")).correct);
  Verdict v = check(mbpp, answer("def double(x):\n    return 5\ndef range(*a):\n    return ()"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error);
}

TEST(PythonRewardHack, SolutionHelpersCannotReplaceTheTestsHelpers) {
  // The prompt defines a helper that the tests use; the solution redefines it to agree with
  // anything. The tests keep the prompt's helper.
  Task t = humaneval_add_task();
  t.prompt =
      "def reference(a, b):\n    return a + b\n\n"
      "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n";
  t.tests =
      "def check(candidate):\n"
      "    for a, b in ((1, 2), (5, -3)):\n"
      "        assert candidate(a, b) == reference(a, b)\n";
  EXPECT_TRUE(check(t, answer("def add(a, b):\n    return a + b")).correct);
  Verdict v = check(t, answer("def reference(a, b):\n    return 0\ndef add(a, b):\n    return 0"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error);
  // A solution that defines `check` itself does not replace the tests' check.
  v = check(humaneval_add_task(),
            answer("def check(candidate):\n    pass\ndef add(a, b):\n    return 0"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error);
}

// Signals to the harness: every catchable one, sent while the solution loads and while it is
// called, to its parent, its process group and pid 1.
TEST(PythonRewardHack, SignalsToTheHarnessScoreZero) {
  const char* targets[] = {"os.getppid()", "0", "1", "-1"};
  const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
  Task humaneval = humaneval_add_task();
  Task cases = cases_rev_task();
  for (const char* target : targets) {
    for (int sig : signals) {
      const std::string send = "import os\ntry:\n    os.kill(" + std::string(target) + ", " +
                               std::to_string(sig) + ")\nexcept OSError:\n    pass\n";
      const std::string what = std::string("kill(") + target + ", " + std::to_string(sig) + ")";
      Verdict v = check(humaneval, answer(send + "def add(a, b):\n    return a - b"));
      EXPECT_EQ(v.score, 0.0) << what << " " << v.to_json().dump();
      EXPECT_FALSE(v.verifier_error) << what << " " << v.to_json().dump();
      v = check(cases, answer(send + "def rev(x):\n    return x"));
      EXPECT_EQ(v.score, 0.0) << what << " " << v.to_json().dump();
      EXPECT_FALSE(v.verifier_error) << what << " " << v.to_json().dump();
    }
  }
  // From inside the call, after the harness started testing.
  Verdict v = check(humaneval,
                    answer("import os, signal\ndef add(a, b):\n"
                           "    os.kill(os.getppid(), signal.SIGINT)\n    return a - b"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  // A signal does not cost a correct solution its reward either.
  v = check(humaneval, answer("import os, signal\nos.kill(os.getppid(), signal.SIGINT)\n"
                              "def add(a, b):\n    return a + b"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  v = check(cases, answer("import os, signal\nos.kill(os.getppid(), signal.SIGINT)\n"
                          "def rev(x):\n    return x[::-1]"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
}

// What the solution writes on the harness's pipes is the solution's problem: messages nested
// too deeply to parse, or garbage, fail the solution and are never a verifier error.
TEST(PythonRewardHack, GarbageOnTheHarnessPipesScoresZero) {
  const std::string forge =
      "import os, struct\n"
      "body = b'[' * 200000\n"
      "for fd in range(3, 12):\n"
      "    try:\n"
      "        os.write(fd, struct.pack('<I', len(body)) + body)\n"
      "    except OSError:\n"
      "        pass\n";
  Verdict v = check(humaneval_add_task(), answer(forge + "def add(a, b):\n    return a - b"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  v = check(cases_rev_task(), answer(forge + "def rev(x):\n    return x"));
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
}

// A well-formed message on the loader's pipe that names the harness's own fault: the solution
// wrote it, so it is the solution's load error (an audit: it was a verifier error, and the
// sample was dropped with its penalty).
TEST(PythonRewardHack, ForgedHarnessFaultIsTheSolutionsLoadError) {
  const std::string forge =
      "import os, json, struct\n"
      "m = json.dumps({'load_error': {'kind': 'harness_error', 'type': '', 'msg': 'x'}})"
      ".encode()\n"
      "for fd in range(3, 16):\n"
      "    try:\n"
      "        os.write(fd, struct.pack('<I', len(m)) + m)\n"
      "    except OSError:\n"
      "        pass\n"
      "os._exit(1)\n";
  for (const Task& t : {humaneval_add_task(), cases_rev_task()}) {
    Verdict v = check(t, answer(forge));
    EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
    EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
    EXPECT_EQ(v.details["failure"]["kind"], "load_error") << v.to_json().dump();
  }
}

// A code task's gold control is its reference solution: the verifier judges it right, so a
// sandbox or harness failure on another completion is that completion's 0, while a task whose
// prompt cannot run fails its reference too and stays a verifier error.
TEST(PythonRewardHack, TheReferenceSolutionIsTheGoldControl) {
  Task t = humaneval_add_task();
  t.meta = {{"canonical_solution", "    return a + b\n"}};
  const std::string control = gold_control(t);
  ASSERT_FALSE(control.empty());
  EXPECT_TRUE(check(t, control).correct) << check(t, control).to_json().dump();
  Task rev = cases_rev_task();
  rev.meta["canonical_solution"] = "def rev(x):\n    return x[::-1]\n";
  EXPECT_TRUE(check(rev, gold_control(rev)).correct);
  t.prompt = "def add(a, b):\n    return (\n";
  Verdict v = verify_guarded(testing::shared_python_verifier(), t,
                             answer("def add(a, b):\n    return a + b"));
  EXPECT_TRUE(v.verifier_error) << v.to_json().dump();
  EXPECT_EQ(v.reason, "harness_error");
}

// The prompt's context never supplies the entry point: an import of a function of that name
// (a review: "median: int" then passed by the prompt's "from statistics import median").
TEST(PythonRewardHack, ThePromptsImportOfTheEntryNameDoesNotAnswer) {
  Task t = humaneval_add_task();
  for (const char* imp : {"from operator import add\n", "from operator import add as add\n",
                          "from operator import *\n", "import operator\nadd = operator.add\n"}) {
    t.prompt =
        std::string(imp) + "\n\ndef add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n";
    for (const char* code : {"add: int", "add: int = None", "def add(a, b):\n    return 0"}) {
      Verdict v = check(t, answer(code));
      EXPECT_EQ(v.score, 0.0) << imp << code << "\n" << v.to_json().dump();
      EXPECT_FALSE(v.verifier_error) << imp << code << "\n" << v.to_json().dump();
    }
  }
  // What else such a statement binds stays: a star import's names, a tuple's other target.
  t.prompt =
      "from typing import *\nimport operator\nplus, add = operator.add, operator.add\n\n"
      "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n";
  Verdict w = check(t, answer("def add(a: int, b: int) -> int:\n    assert List is not None\n"
                              "    return plus(a, b)"));
  EXPECT_TRUE(w.correct) << w.to_json().dump();
  // A bare last signature still gives a whole-function answer the prompt's imports.
  t.prompt = "from typing import List\n\ndef add(a: int, b: int) -> int:\n";
  Verdict v = check(t, answer("def add(a: int, b: int) -> int:\n    assert List is not None\n"
                              "    return a + b"));
  EXPECT_TRUE(v.correct) << v.to_json().dump();
}

TEST(PythonRewardHack, BareSignaturePromptIsJudgedAsPromptPlusCompletion) {
  Task t = humaneval_add_task();
  t.prompt = "def add(a, b):\n";
  Verdict v = check(t, "    return a + b\n");
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  v = check(t, "    return a - b\n");
  EXPECT_EQ(v.score, 0.0) << v.to_json().dump();
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  // Imports and helpers above the bare signature still reach the tests.
  t.prompt = "import math\n\ndef twice(x):\n    return 2 * x\n\nclass Box:\n    def add(self, a, b):\n";
  t.entry_point = "twice";
  t.tests = "def check(candidate):\n    assert candidate(3) == 6 and math.floor(twice(1.5)) == 3\n";
  EXPECT_TRUE(check(t, answer("def twice(x):\n    return x * 2")).correct);
  // No trailing newline after the signature.
  t = humaneval_add_task();
  t.prompt = "def add(a, b):";
  v = check(t, "\n    return a + b\n");
  EXPECT_TRUE(v.correct) << v.to_json().dump();
  // A prompt that no completion could make valid stays the task's fault: a verifier error.
  t.prompt = "def add(a, b):\n    return (\n";
  v = check(t, answer("def add(a, b):\n    return a + b"));
  EXPECT_TRUE(v.verifier_error) << v.to_json().dump();
  EXPECT_EQ(v.reason, "harness_error");
}

}  // namespace
}  // namespace r1
