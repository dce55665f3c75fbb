// pyfunc tasks: cases, prompts and HumanEval-style tests agree with each other, and the
// reference code passes every case when run by real Python.
#include <gtest/gtest.h>

#include <set>

#include "tasks/families/pyfunc_templates.h"
#include "tasks/generator.h"
#include "tasks/pyvalue.h"
#include "test_util.h"

using namespace r1;

TEST(Pyfunc, TaskFormat) {
  for (const auto& t : generate_tasks("pyfunc", 100, 8, 0)) {
    EXPECT_EQ(t.verifier, "python");
    EXPECT_FALSE(t.entry_point.empty());
    EXPECT_EQ(t.meta["template"], t.entry_point);
    ASSERT_TRUE(t.meta["cases"].is_array());
    int shown = t.meta["shown"].get<int>();
    EXPECT_EQ(shown, 2);
    EXPECT_GE(t.meta["cases"].size(), 4u) << t.id;
    EXPECT_EQ(t.prompt.rfind("Write a Python function " + t.entry_point + "(", 0), 0u) << t.prompt;
    std::set<std::string> distinct;
    for (size_t i = 0; i < t.meta["cases"].size(); ++i) {
      const json& c = t.meta["cases"][i];
      ASSERT_TRUE(c["args"].is_array());
      distinct.insert(c["args"].dump());
      std::string example = py_call(t.entry_point, c["args"]) + " == " + py_literal(c["expected"]);
      // Shown cases are in the prompt; hidden ones are not.
      EXPECT_EQ(t.prompt.find(example) != std::string::npos, i < static_cast<size_t>(shown))
          << t.id << " " << example;
      std::string check = "    assert " + py_call("candidate", c["args"]) +
                          " == " + py_literal(c["expected"]) + "\n";
      EXPECT_NE(t.tests.find(check), std::string::npos) << t.id;
    }
    EXPECT_EQ(distinct.size(), t.meta["cases"].size()) << t.id;
    EXPECT_EQ(t.tests.rfind("def check(candidate):\n", 0), 0u);
  }
}

TEST(Pyfunc, EveryTemplateIsReachable) {
  std::set<std::string> seen;
  for (const auto& t : generate_tasks("pyfunc", 600, 1, 0)) seen.insert(t.entry_point);
  EXPECT_EQ(seen.size(), py_templates().size());
}

TEST(Pyfunc, PyLiterals) {
  EXPECT_EQ(py_literal(json::parse(R"([1, "a\"b", true, false, null, [], [-3]])")),
            R"([1, "a\"b", True, False, None, [], [-3]])");
  EXPECT_EQ(py_call("f", json::array({2, "x"})), "f(2, \"x\")");
}

// Runs each template's reference code under python3 on its cases, comparing results as JSON
// (so True is not 1), and runs the HumanEval-style check(candidate) too.
TEST(Pyfunc, ReferenceCodePassesInPython) {
  if (!r1_test::have_python3())
    GTEST_SKIP() << "/usr/bin/python3 not found; skipping the Python cross-check";
  json items = json::array();
  // Several tasks per template, so the constants vary.
  for (const auto& t : generate_tasks("pyfunc", 300, 77, 0)) {
    items.push_back({{"id", t.id},
                     {"code", t.meta["canonical_solution"]},
                     {"entry", t.entry_point},
                     {"cases", t.meta["cases"]},
                     {"tests", t.tests}});
  }
  r1_test::TempDir dir;
  std::string input = dir.write("items.json", items.dump());
  std::string script = dir.write("check.py", R"PY(
import json, sys
bad = 0
for it in json.load(open(sys.argv[1])):
    env = {}
    exec(it["code"], env)
    fn = env[it["entry"]]
    for c in it["cases"]:
        got = fn(*c["args"])
        if json.dumps(got) != json.dumps(c["expected"]):
            print("MISMATCH", it["id"], c["args"], json.dumps(got), json.dumps(c["expected"]))
            bad += 1
    exec(it["tests"], env)
    env["check"](fn)
print("checked", bad)
)PY");
  auto r = r1_test::run_command("/usr/bin/python3 '" + script + "' '" + input + "'", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("checked 0"), std::string::npos) << r.out << r.err;
}

TEST(Pyfunc, BooleanFunctionsTestBothAnswers) {
  for (const auto& t : generate_tasks("pyfunc", 400, 12, 0)) {
    const json& cases = t.meta["cases"];
    if (!cases[0]["expected"].is_boolean()) continue;
    int yes = 0;
    for (const auto& c : cases) yes += c["expected"].get<bool>();
    EXPECT_GT(yes, 0) << t.id;
    EXPECT_LT(yes, static_cast<int>(cases.size())) << t.id;
  }
}
