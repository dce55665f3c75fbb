// Rejection sampling's filter (eval/rejection_sampling.h) on verdicts of the real verifiers:
// only correct, well-formed, distinct completions are kept, at most M per prompt, and every
// kept line verifies correct again.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "eval/rejection_sampling.h"
#include "tasks/generator.h"
#include "verifiers/registry.h"

using namespace r1;

namespace {

SampleOutcome judged(const Task& task, const std::string& completion) {
  SampleOutcome s;
  s.completion = completion;
  s.verdict = make_verifier(task.verifier)->verify(task, completion);
  return s;
}

std::vector<Task> arith_tasks(int n) {
  auto gen = make_generator("arith");
  std::vector<Task> tasks;
  for (int i = 0; i < n; ++i) {
    Rng rng(7, i);
    tasks.push_back(gen->generate(rng, 1));
  }
  return tasks;
}

}  // namespace

TEST(RejectionSampling, KeepsOnlyCorrectWellFormedDistinctSamplesUpToM) {
  auto gen = make_generator("arith");
  const std::vector<Task> tasks = arith_tasks(2);
  ChatTemplate chat;
  RejectionFilter f(/*keep=*/2, /*require_format=*/true, chat, task_verifiers());
  struct Case {
    size_t task;
    std::string completion;
    bool kept;
    const char* why;
  };
  const std::string gold0 = gen->solve(tasks[0]);  // the worked solution, "<think>..."
  const std::string a0 = tasks[0].answer, a1 = tasks[1].answer;
  const std::vector<Case> cases = {
      {0, "<think>add them</think><answer>" + a0 + "1</answer>", false, "wrong answer"},
      {0, "<think>add them</think> the answer is " + a0, false, "no answer tags: no answer"},
      {0, "<think>add them</think><answer>" + a0 + "</answer> and more", false,
       "text after the answer: bad format"},
      {0, "<think>add them</think><answer>" + a0 + "</answer>", true, "correct"},
      {0, "<think>add  them\n</think><answer>" + a0 + "</answer>", false,
       "the same up to runs of whitespace: a duplicate"},
      {0, "<think>add them " + std::string("\xff\xfe") + "</think><answer>" + a0 + "</answer>",
       false, "not UTF-8"},
      {0, "<think>the columns</think><answer>" + a0 + "</answer>", true, "correct and distinct"},
      {0, gold0, false, "a third correct one: over M"},
      {1, "<think>x</think><answer>" + a1 + "</answer>", true, "correct, another prompt"},
  };
  std::vector<json> kept;
  for (const Case& c : cases) {
    auto line = f.offer(tasks[c.task], judged(tasks[c.task], c.completion), "arith:test");
    EXPECT_EQ(line.has_value(), c.kept) << c.why << ": " << c.completion;
    if (line) kept.push_back(*line);
  }
  const RejectionStats& st = f.stats();
  EXPECT_EQ(st.samples, 9);
  EXPECT_EQ(st.bad_format, 1);
  EXPECT_EQ(st.wrong, 2);  // the wrong answer, and the untagged one (no answer to read)
  EXPECT_EQ(st.kept, 3);
  EXPECT_EQ(st.prompts_kept, 2);
  EXPECT_EQ(st.duplicates, 1);
  EXPECT_EQ(st.invalid_text, 1);
  EXPECT_EQ(st.over_cap, 1);
  EXPECT_EQ(st.correct, st.samples - st.wrong - st.verifier_errors);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[1]["completion"], "<think>the columns</think><answer>" + a0 + "</answer>");
  EXPECT_EQ(kept[2]["id"], tasks[1].id);
  // Every kept line is correct and well-formed when judged again from the line alone.
  for (const json& line : kept) {
    const Task t = Task::from_json(line["task"], "kept line");
    EXPECT_EQ(line["prompt"], t.prompt);
    const Verdict v = make_verifier(t.verifier)->verify(t, line["completion"].get<std::string>());
    EXPECT_TRUE(v.correct && v.format_ok) << line.dump();
  }
}

TEST(RejectionSampling, WithoutTheFormatRuleKeepsCorrectButMalformedSamples) {
  const std::vector<Task> tasks = arith_tasks(1);
  RejectionFilter strict(1, true, ChatTemplate{}, task_verifiers()),
      loose(1, false, ChatTemplate{}, task_verifiers());
  // Correct by the math verifier's reading, but the <think> block is missing.
  const SampleOutcome s = judged(tasks[0], "<answer>" + tasks[0].answer + "</answer>");
  ASSERT_TRUE(s.verdict.correct) << s.verdict.to_json().dump();
  ASSERT_FALSE(s.verdict.format_ok) << s.verdict.to_json().dump();
  EXPECT_FALSE(strict.offer(tasks[0], s, "x"));
  EXPECT_EQ(strict.stats().bad_format, 1);
  EXPECT_TRUE(loose.offer(tasks[0], s, "x"));
  // Kept without the format rule, a completion loses what follows its answer and its
  // end-of-turn marker: the SFT target adds its own.
  RejectionFilter loose2(1, false, ChatTemplate{}, task_verifiers());
  const auto line = loose2.offer(
      tasks[0], judged(tasks[0], "<answer>" + tasks[0].answer + "</answer>\n<|im_end|>"), "x");
  ASSERT_TRUE(line);
  EXPECT_EQ((*line)["completion"], "<answer>" + tasks[0].answer + "</answer>");
}

// The cut after the last </answer> must not change the verdict. Verifiers may read past it (the
// python verifier takes the last code fence, even after the answer tags), so a completion the
// cut changes is judged again, and dropped when it no longer passes.
TEST(RejectionSampling, ACompletionTheCutMakesWrongIsDropped) {
  const std::vector<Task> tasks = arith_tasks(1);
  std::vector<std::string> rejudged;
  // A verifier that reads only what follows the answer tags, as the python one may.
  auto tail_reader = [&](const Task& t, const std::string& text) {
    rejudged.push_back(text);
    Verdict v;
    v.correct = v.format_ok = text.size() > 9 &&
                              text.substr(text.size() - t.answer.size()) == t.answer &&
                              text.rfind("</answer>") + 9 != text.size();
    return v;
  };
  RejectionFilter f(1, /*require_format=*/true, ChatTemplate{}, tail_reader);
  SampleOutcome s;
  s.completion = "<think>t</think><answer>stub</answer> " + tasks[0].answer;
  s.verdict.correct = s.verdict.format_ok = true;  // as that verifier judged the whole text
  EXPECT_FALSE(f.offer(tasks[0], s, "x"));
  EXPECT_EQ(f.stats().cut_fails, 1);
  ASSERT_EQ(rejudged.size(), 1u);
  EXPECT_EQ(rejudged[0], "<think>t</think><answer>stub</answer>");
  // A completion the cut leaves alone is not judged again.
  s.completion = "<think>t</think><answer>" + tasks[0].answer + "</answer>";
  EXPECT_TRUE(f.offer(tasks[0], s, "x"));
  EXPECT_EQ(rejudged.size(), 1u);
}

TEST(RejectionSampling, VerifierErrorsAreNeitherKeptNorWrong) {
  const std::vector<Task> tasks = arith_tasks(1);
  RejectionFilter f(2, true, ChatTemplate{}, task_verifiers());
  SampleOutcome s;
  s.completion = "<think>x</think><answer>" + tasks[0].answer + "</answer>";
  s.verdict = Verdict::verifier_failure("timeout", "the verifier took too long");
  EXPECT_FALSE(f.offer(tasks[0], s, "x"));
  EXPECT_EQ(f.stats().verifier_errors, 1);
  EXPECT_EQ(f.stats().wrong, 0);
}

TEST(RejectionSampling, KeepMustBePositive) {
  EXPECT_THROW(RejectionFilter(0, true, ChatTemplate{}, task_verifiers()), std::exception);
  EXPECT_THROW(RejectionFilter(1, true, ChatTemplate{}, nullptr), std::exception);
}

TEST(RejectionSampling, TrimCutsAfterTheLastAnswerAndTheEndOfTurn) {
  ChatTemplate chat;
  EXPECT_EQ(trim_kept_completion("<answer>1</answer>x<answer>2</answer>\n<|im_end|>", chat),
            "<answer>1</answer>x<answer>2</answer>");
  EXPECT_EQ(trim_kept_completion("no tags<|im_end|><|im_end|>", chat), "no tags");
}

// A filter restored from the kept lines and counts of a stopped one (resumed sampling) decides
// every later offer as the unbroken filter does: the same lines, the same counts.
TEST(RejectionSampling, ARestoredFilterContinuesAsTheUnbrokenOne) {
  const std::vector<Task> tasks = arith_tasks(3);
  std::vector<std::pair<size_t, SampleOutcome>> offers;
  for (int round = 0; round < 3; ++round) {
    for (size_t t = 0; t < tasks.size(); ++t) {
      const std::string& a = tasks[t].answer;
      for (const std::string& c :
           {"<think>r" + std::to_string(round % 2) + "</think><answer>" + a + "</answer>",
            "<think>w</think><answer>" + a + "9</answer>",
            "<think>x " + std::to_string(round) + "</think><answer>" + a + "</answer>"})
        offers.push_back({t, judged(tasks[t], c)});
    }
  }
  RejectionFilter whole(2, true, ChatTemplate{}, task_verifiers());
  std::vector<json> whole_lines;
  for (const auto& [t, s] : offers)
    if (auto line = whole.offer(tasks[t], s, "x")) whole_lines.push_back(*line);

  for (size_t cut : {size_t{0}, size_t{5}, size_t{13}, offers.size()}) {
    RejectionFilter first(2, true, ChatTemplate{}, task_verifiers());
    std::vector<json> lines;
    for (size_t i = 0; i < cut; ++i)
      if (auto line = first.offer(tasks[offers[i].first], offers[i].second, "x"))
        lines.push_back(*line);
    RejectionFilter resumed(2, true, ChatTemplate{}, task_verifiers());
    resumed.restore(lines, RejectionStats::from_json(first.stats().to_json()));
    for (size_t i = cut; i < offers.size(); ++i)
      if (auto line = resumed.offer(tasks[offers[i].first], offers[i].second, "x"))
        lines.push_back(*line);
    EXPECT_EQ(lines, whole_lines) << "cut at " << cut;
    EXPECT_EQ(resumed.stats().to_json(), whole.stats().to_json()) << "cut at " << cut;
  }
  EXPECT_GT(whole.stats().duplicates, 0);
  EXPECT_GT(whole.stats().over_cap, 0);
  EXPECT_GT(whole.stats().wrong, 0);
}
