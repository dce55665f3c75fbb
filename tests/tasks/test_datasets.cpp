// Dataset readers on small inline files and, when present, on ../shared/data/eval.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "tasks/datasets.h"
#include "test_util.h"
#include "tests/common/error_of.h"

using r1::testing::error_of;

using namespace r1;

namespace {

const std::string kShared = R1_SOURCE_DIR "/../shared/data/eval/";

}  // namespace

TEST(Datasets, Gsm8k) {
  r1_test::TempDir dir;
  std::string path = dir.write(
      "g.jsonl",
      R"({"question": "Q1?", "answer": "He has 3 * 4 = <<3*4=12>>12 eggs.\n#### 1,234", "idx": 5})"
      "\n\n"
      R"({"question": "Q2?", "answer": "So -7.\n#### -7"})"
      "\n");
  auto tasks = read_dataset("gsm8k", path);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].id, "gsm8k-5");
  EXPECT_EQ(tasks[0].family, "gsm8k");
  EXPECT_EQ(tasks[0].prompt, "Q1?");
  EXPECT_EQ(tasks[0].answer, "1234");
  EXPECT_EQ(tasks[0].verifier, "math");
  EXPECT_EQ(tasks[0].meta["solution"], "He has 3 * 4 = 12 eggs.");
  EXPECT_EQ(tasks[1].id, "gsm8k-3");  // no idx: the line number
  EXPECT_EQ(tasks[1].answer, "-7");
}

TEST(Datasets, MathAimeAmc) {
  r1_test::TempDir dir;
  auto math = parse_dataset(
      "math",
      R"({"problem": "P", "solution": "so \\boxed{\\frac{1}{2}}.", "answer": "\\frac{1}{2}", "level": 3, "unique_id": "test/a/1.json"})"
      "\n"
      R"({"problem": "P2", "solution": "first \\boxed{1} then \\boxed{\\{2, {3}\\}}"})",
      "inline");
  ASSERT_EQ(math.size(), 2u);
  EXPECT_EQ(math[0].id, "test/a/1.json");
  EXPECT_EQ(math[0].answer, "\\frac{1}{2}");
  EXPECT_EQ(math[0].meta["level"], 3);
  EXPECT_EQ(math[0].meta["solution"], "so \\boxed{\\frac{1}{2}}.");
  EXPECT_EQ(math[1].answer, "\\{2, {3}\\}");  // no answer field: the last \boxed{}, braces matched
  auto aime =
      parse_dataset("aime", R"({"id": 60, "problem": "P", "answer": "204", "question": "P"})", "x");
  EXPECT_EQ(aime[0].id, "aime-60");
  EXPECT_EQ(aime[0].answer, "204");
  EXPECT_FALSE(aime[0].meta.contains("question"));  // a copy of the prompt is not kept
  auto amc = parse_dataset("amc",
                           R"({"id": 1, "problem": "P", "answer": 27.0})"
                           "\n"
                           R"({"problem": "Q", "answer": 2.5})",
                           "x");
  EXPECT_EQ(amc[0].answer, "27");
  EXPECT_EQ(amc[1].answer, "2.5");
  EXPECT_EQ(last_boxed("no box"), "");
  EXPECT_EQ(last_boxed("\\boxed{unbalanced"), "");
  EXPECT_EQ(last_boxed("\\fbox{7}"), "7");
}

TEST(Datasets, HumanevalMbppGeneric) {
  auto he = parse_dataset(
      "humaneval",
      R"({"task_id": "HumanEval/0", "prompt": "def f(x):\n", "entry_point": "f", "canonical_solution": "    return x\n", "test": "def check(candidate):\n    assert candidate(1) == 1\n"})",
      "he");
  ASSERT_EQ(he.size(), 1u);
  EXPECT_EQ(he[0].id, "HumanEval/0");
  EXPECT_EQ(he[0].verifier, "python");
  EXPECT_EQ(he[0].entry_point, "f");
  EXPECT_EQ(he[0].tests, "def check(candidate):\n    assert candidate(1) == 1\n");
  EXPECT_EQ(he[0].meta["canonical_solution"], "    return x\n");
  EXPECT_EQ(he[0].meta["task_id"], "HumanEval/0");

  auto mbpp = parse_dataset(
      "mbpp",
      R"({"task_id": 11, "text": "Remove x.", "code": "def rm(s): return s", "test_list": ["assert rm(\"a\") == \"a\"", "assert rm(\"\") == \"\""], "challenge_test_list": ["assert rm(\"b\") == \"b\""], "test_setup_code": ""})",
      "mb");
  EXPECT_EQ(mbpp[0].id, "mbpp-11");
  EXPECT_EQ(mbpp[0].entry_point, "rm");
  // One test names the function; the others stay hidden, or a table of the shown tests' inputs
  // and outputs would pass them all.
  EXPECT_EQ(mbpp[0].prompt,
            "Remove x.\nYour code should pass this test, and others like it:\nassert rm(\"a\") == "
            "\"a\"");
  EXPECT_EQ(mbpp[0].tests,
            "assert rm(\"a\") == \"a\"\nassert rm(\"\") == \"\"\nassert rm(\"b\") == \"b\"\n");
  EXPECT_EQ(mbpp[0].meta["test_list"].size(), 2u);
  EXPECT_EQ(mbpp[0].meta["text"], "Remove x.");

  auto sanitized = parse_dataset(
      "mbpp",
      R"J({"task_id": 2, "prompt": "Do y.", "test_imports": ["import math"], "test_list": ["assert math.isclose(f(1), 1)"]})J",
      "mb");
  EXPECT_EQ(sanitized[0].meta["text"], "Do y.");
  EXPECT_EQ(sanitized[0].entry_point, "f");  // not the math.isclose wrapper
  EXPECT_EQ(sanitized[0].tests, "import math\nassert math.isclose(f(1), 1)\n");

  auto gen = parse_dataset("generic", R"({"prompt": "1+1?", "answer": 2, "source": "me"})", "g");
  EXPECT_EQ(gen[0].answer, "2");
  EXPECT_EQ(gen[0].verifier, "math");
  EXPECT_EQ(gen[0].meta["source"], "me");
  EXPECT_EQ(gen[0].id, "generic-1");
}

TEST(Datasets, SelfPlayTriplets) {
  const std::string line =
      R"({"id": "h1", "program": "def f(x):\n    return x * 2\n", "inputs": ["3", "4"],)"
      R"( "outputs": ["6", "8"], "note": "mine"})";
  auto d = parse_dataset("deduction", line, "d");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, "h1");
  EXPECT_EQ(d[0].family, "deduction");
  EXPECT_EQ(d[0].verifier, "program");
  EXPECT_EQ(d[0].meta["kind"], "deduction");
  EXPECT_EQ(d[0].meta["input"], "3");
  EXPECT_EQ(d[0].answer, "6");
  EXPECT_EQ(d[0].meta["note"], "mine");
  EXPECT_NE(d[0].prompt.find("f(3)"), std::string::npos);
  auto a = parse_dataset("abduction", line, "a");
  EXPECT_EQ(a[0].meta["kind"], "abduction");
  EXPECT_EQ(a[0].meta["output"], "6");
  EXPECT_EQ(a[0].answer, "3");
  EXPECT_THROW(parse_dataset("deduction",
                             R"({"program": "def f(): pass", "inputs": ["1"],)"
                             R"( "outputs": []})",
                             "bad"),
               Error);
  EXPECT_THROW(parse_dataset("abduction", R"({"inputs": ["1"], "outputs": ["1"]})", "bad"), Error);
}

TEST(Datasets, BadLinesNameFileAndLine) {
  r1_test::TempDir dir;
  std::string path =
      dir.write("bad.jsonl", "{\"question\": \"a\", \"answer\": \"#### 1\"}\n{not json}\n");
  std::string msg = error_of([&] { read_dataset("gsm8k", path); });
  EXPECT_NE(msg.find(path + ":2"), std::string::npos) << msg;

  std::string p2 = dir.write("bad2.jsonl", "\n{\"question\": \"a\", \"answer\": \"no marker\"}\n");
  msg = error_of([&] { read_dataset("gsm8k", p2); });
  EXPECT_NE(msg.find(p2 + ":2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("####"), std::string::npos) << msg;

  std::string p3 = dir.write("bad3.jsonl", "{\"problem\": 5, \"answer\": \"1\"}\n");
  msg = error_of([&] { read_dataset("aime", p3); });
  EXPECT_NE(msg.find(p3 + ":1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'problem'"), std::string::npos) << msg;

  msg = error_of(
      [&] { parse_dataset("humaneval", "{\"task_id\": \"x\", \"prompt\": \"p\"}", "he.jsonl"); });
  EXPECT_NE(msg.find("he.jsonl:1"), std::string::npos) << msg;

  msg = error_of([&] { parse_dataset("csv", "", "x"); });
  EXPECT_NE(msg.find("unknown dataset format 'csv'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gsm8k"), std::string::npos) << msg;

  msg = error_of([&] { read_dataset("gsm8k", dir.path() + "/missing.jsonl"); });
  EXPECT_NE(msg.find("missing.jsonl"), std::string::npos) << msg;
}

TEST(Datasets, SharedEvalFiles) {
  if (!file_exists(kShared + "gsm8k-test.jsonl")) {
    GTEST_SKIP() << "../shared/data/eval not found next to the repository; skipping the shared "
                    "dataset checks";
  }
  auto gsm = read_dataset("gsm8k", kShared + "gsm8k-test.jsonl");
  EXPECT_EQ(gsm.size(), 1319u);
  for (const auto& t : gsm) {
    EXPECT_FALSE(t.answer.empty());
    EXPECT_EQ(t.answer.find(','), std::string::npos) << t.id;
    EXPECT_EQ(t.meta["solution"].get<std::string>().find("<<"), std::string::npos) << t.id;
  }
  EXPECT_EQ(gsm[0].answer, "18");
  auto math = read_dataset("math", kShared + "math500.jsonl");
  EXPECT_EQ(math.size(), 500u);
  for (const auto& t : math) {
    EXPECT_FALSE(t.answer.empty()) << t.id;
    EXPECT_TRUE(t.meta.contains("solution")) << t.id;
  }
  // The gold answer and the solution's last \boxed{} mostly agree (a check of last_boxed).
  int agree = 0;
  for (const auto& t : math) agree += last_boxed(t.meta["solution"].get<std::string>()) == t.answer;
  EXPECT_GT(agree, 400) << agree;
  auto aime = read_dataset("aime", kShared + "aime24.jsonl");
  EXPECT_EQ(aime.size(), 30u);
  EXPECT_EQ(aime[0].answer, "204");
  auto amc = read_dataset("amc", kShared + "amc23.jsonl");
  EXPECT_EQ(amc.size(), 40u);
  EXPECT_EQ(amc[0].answer, "27");
  auto he = read_dataset("humaneval", kShared + "humaneval.jsonl");
  ASSERT_EQ(he.size(), 164u);
  EXPECT_EQ(he[0].id, "HumanEval/0");
  EXPECT_EQ(he[0].entry_point, "has_close_elements");
  for (const auto& t : he) {
    EXPECT_NE(t.tests.find("def check(candidate)"), std::string::npos) << t.id;
    EXPECT_TRUE(t.meta.contains("canonical_solution")) << t.id;
  }
}
