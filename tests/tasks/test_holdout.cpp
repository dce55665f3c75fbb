// Held-out problems (tasks/holdout.h): the task stream and the generated SFT data never give a
// problem of the held-out suites, and otherwise give exactly what they gave without a holdout.
#include <gtest/gtest.h>

#include <set>

#include "tasks/holdout.h"
#include "tasks/task_source.h"
#include "test_util.h"
#include "tests/common/error_of.h"
#include "tests/common/suite_problems.h"

using namespace r1;
using r1::testing::error_of;

namespace {

// Countdown with two numbers has ~1,200 problems: a 500-task suite covers a good share of them.
const char* kSuite = "countdown:level=1:n=500:seed=9001";

TaskSourceConfig countdown_stream(const std::string& holdout) {
  json j = {{"seed", 5},
            {"mix", {{{"family", "countdown"}, {"difficulty", 1}}}},
            {"holdout", holdout}};
  return TaskSourceConfig::from_json(j, "run.json: tasks");
}


}  // namespace

TEST(Holdout, CountdownProblemsAreTheirNumbersInAnyOrderAndTheTarget) {
  auto gen = make_generator("countdown");
  Task a, b, c;
  a.family = b.family = c.family = "countdown";
  a.meta = {{"numbers", {3, 5, 7}}, {"target", 22}};
  b.meta = {{"numbers", {7, 3, 5}}, {"target", 22}};
  c.meta = {{"numbers", {3, 5, 7}}, {"target", 26}};
  a.prompt = "Use 3, 5, 7 once each with + - * / to make 22.";
  b.prompt = "Use 7, 3, 5 once each with + - * / to make 22.";
  EXPECT_EQ(gen->problem_key(a), gen->problem_key(b));
  EXPECT_NE(gen->problem_key(a), gen->problem_key(c));
  // Without its meta data a task falls back to its prompt.
  Task bare;
  bare.prompt = "Use 3, 5, 7  once each\n with + - * / to make 22.";
  EXPECT_EQ(gen->problem_key(bare), "countdown|Use 3, 5, 7 once each with + - * / to make 22.");
}

TEST(Holdout, PromptsCompareWithWhitespaceCollapsed) {
  EXPECT_EQ(prompt_key("  What is\t2 +\n\n2?  "), "What is 2 + 2?");
  EXPECT_EQ(prompt_key(""), "");
}

// The stream with a holdout is the stream without it, minus the held-out problems, in the same
// order: a skip passes the cursor on, and nothing else changes.
TEST(Holdout, TheStreamSkipsHeldOutProblemsAndNothingElse) {
  const std::set<std::string> held = r1::testing::suite_problems("countdown", kSuite);
  auto gen = make_generator("countdown");
  TaskSource plain(countdown_stream("")), kept(countdown_stream(kSuite));
  EXPECT_EQ(kept.holdout().tasks(), 500u);
  std::vector<std::string> expected;
  size_t in_suite = 0;
  for (int i = 0; i < 4000; ++i) {
    Task t = plain.next();
    if (held.count(gen->problem_key(t)))
      ++in_suite;
    else
      expected.push_back(t.to_json().dump());
  }
  ASSERT_GT(in_suite, 500u) << "the level-1 stream meets the suite's problems often";
  for (const std::string& want : expected) {
    Task t = kept.next();
    EXPECT_EQ(held.count(gen->problem_key(t)), 0u) << t.prompt;
    ASSERT_EQ(t.to_json().dump(), want);
  }
  EXPECT_EQ(kept.cursor(), plain.cursor());
  EXPECT_EQ(kept.held_out(), in_suite);
}

TEST(Holdout, ResumeKeepsTheSkipsAndRefusesAnotherHoldout) {
  TaskSource a(countdown_stream(kSuite));
  for (int i = 0; i < 300; ++i) a.next();
  const json st = a.state();
  TaskSource b(countdown_stream(kSuite));
  b.load_state(st, "trainer_state.json: task_source");
  EXPECT_EQ(b.held_out(), a.held_out());
  for (int i = 0; i < 200; ++i) ASSERT_EQ(b.next().to_json().dump(), a.next().to_json().dump());
  TaskSource other(countdown_stream(""));
  const std::string err = error_of([&] { other.load_state(st, "trainer_state.json: task_source"); });
  EXPECT_NE(err.find("holdout"), std::string::npos) << err;
  EXPECT_NE(err.find(kSuite), std::string::npos) << err;
}

TEST(Holdout, ABadSuiteIsAConfigErrorNamingTheField) {
  const std::string err = error_of([] { countdown_stream("countdown:level=9"); });
  EXPECT_NE(err.find("holdout"), std::string::npos) << err;
  EXPECT_NE(err.find("difficulty 9 out of range"), std::string::npos) << err;
}

// A mix whose every problem is held out ends with an error that says so, not a hang.
TEST(Holdout, AStreamThatIsAllHoldoutFailsClearly) {
  r1_test::TempDir dir;
  const std::string data = dir.write("d.jsonl", "{\"prompt\": \"2+2?\", \"answer\": \"4\"}\n");
  json j = {{"seed", 1},
            {"mix", {{{"dataset", "generic"}, {"path", data}}}},
            {"holdout", "generic:" + data}};
  TaskSource src(TaskSourceConfig::from_json(j, "tasks"));
  const std::string err = error_of([&] { src.next(); });
  EXPECT_NE(err.find("held out"), std::string::npos) << err;
}

