// HumanEval through the python verifier: every canonical solution passes, and a completion of
// only `pass` fails every task. Needs ../shared/data/eval/humaneval.jsonl.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "tasks/datasets.h"
#include "tests/common/sandbox_fixture.h"

namespace r1 {
namespace {

const std::string kPath = std::string(R1_SOURCE_DIR) + "/../shared/data/eval/humaneval.jsonl";

std::vector<Task> humaneval_or_skip() {
  if (!std::filesystem::exists(kPath)) return {};
  return read_dataset("humaneval", kPath);
}

// Verdicts for all tasks, `concurrency` at a time (the verifier is called from many threads,
// as the reward service does).
std::vector<Verdict> verify_all(const std::vector<Task>& tasks,
                                const std::function<std::string(const Task&)>& completion) {
  std::vector<std::future<Verdict>> futs;
  for (const Task& t : tasks) {
    futs.push_back(std::async(std::launch::async, [&t, &completion] {
      return testing::shared_python_verifier().verify(t, completion(t));
    }));
  }
  std::vector<Verdict> out;
  for (auto& f : futs) out.push_back(f.get());
  return out;
}

TEST(HumanEval, CanonicalSolutionsPass) {
  std::vector<Task> tasks = humaneval_or_skip();
  if (tasks.empty()) GTEST_SKIP() << "no " << kPath << " (the shared data folder is absent)";
  ASSERT_EQ(tasks.size(), 164u);
  // As a raw HumanEval completion: the body that continues the prompt.
  std::vector<Verdict> raw = verify_all(
      tasks, [](const Task& t) { return t.meta.at("canonical_solution").get<std::string>(); });
  int passed = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_TRUE(raw[i].correct) << tasks[i].id << ": " << raw[i].to_json().dump();
    passed += raw[i].correct;
  }
  EXPECT_EQ(passed, 164);
  // As a whole program in our output format.
  std::vector<Verdict> tagged = verify_all(tasks, [](const Task& t) {
    return "<think>see below</think><answer>\n```python\n" + t.prompt +
           t.meta.at("canonical_solution").get<std::string>() + "\n```\n</answer>";
  });
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_TRUE(tagged[i].correct) << tasks[i].id << ": " << tagged[i].to_json().dump();
    EXPECT_TRUE(tagged[i].format_ok) << tasks[i].id;
  }
}

TEST(HumanEval, PassOnlyCompletionsFail) {
  std::vector<Task> tasks = humaneval_or_skip();
  if (tasks.empty()) GTEST_SKIP() << "no " << kPath << " (the shared data folder is absent)";
  std::vector<Verdict> v = verify_all(tasks, [](const Task&) { return std::string("    pass\n"); });
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_FALSE(v[i].correct) << tasks[i].id;
    EXPECT_EQ(v[i].score, 0.0) << tasks[i].id;
    EXPECT_FALSE(v[i].verifier_error) << tasks[i].id << ": " << v[i].to_json().dump();
  }
}

}  // namespace
}  // namespace r1
