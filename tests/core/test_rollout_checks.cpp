// Checks of rollout and scored groups against what the run can produce (core/rollout_checks.h):
// each forged or broken field is refused with a MessageError that says what is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/rollout_checks.h"
#include "tests/common/error_of.h"

using namespace r1;
using r1::testing::error_of;

namespace {

std::string bytes_of(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s.push_back(static_cast<char>(id));
  return s;
}

RolloutLimits limits() {
  RolloutLimits l;
  l.group_size = 2;
  l.vocab_size = 128;
  l.max_new_tokens = 4;
  l.max_positions = 8;
  l.decode = bytes_of;
  l.reward_min = -0.5;
  l.reward_max = 1.1;
  l.max_span_penalty = 0.5;
  return l;
}

RolloutGroup group() {
  RolloutGroup g;
  g.seq = 3;
  g.task = {{"id", "t3"}, {"prompt", "p"}};
  g.prompt = {80, 81};
  g.version = 1;
  g.scored = true;
  for (int i = 0; i < 2; ++i) {
    SampleResult s;
    s.tokens = {65, 66, 67};
    s.logprobs = {-0.5f, 0.0f, -3.0f};
    s.text = "ABC";
    s.finish_reason = "stop";
    s.reward = i == 0 ? 1.1 : -0.5;
    g.samples.push_back(std::move(s));
  }
  return g;
}

std::string problem(const std::function<void(RolloutGroup&)>& spoil) {
  RolloutGroup g = group();
  spoil(g);
  return error_of<MessageError>([&] { check_rollout_group(g, limits()); });
}

}  // namespace

TEST(RolloutChecks, AGroupTheRunCouldProducePasses) {
  EXPECT_NO_THROW(check_rollout_group(group(), limits()));
  RolloutGroup g = group();
  g.samples[1].reward.reset();
  g.samples[1].verifier_error = true;
  EXPECT_NO_THROW(check_rollout_group(g, limits()));
  g.samples[0].penalties = {{0, 1, 0.5}, {1, 3, 0.25}};  // spans the reward config allows
  EXPECT_NO_THROW(check_rollout_group(g, limits()));
  g.scored = false;  // a rollout has no rewards to check
  g.samples[1].verifier_error = false;
  EXPECT_NO_THROW(check_rollout_group(g, limits()));
}

TEST(RolloutChecks, EachForgedFieldIsRefusedSayingWhy) {
  EXPECT_NE(problem([](RolloutGroup& g) { g.samples.pop_back(); }).find("group_size is 2"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[0].tokens[1] = 1000000000;
            }).find("outside the vocabulary"),
            std::string::npos);
  EXPECT_NE(
      problem([](RolloutGroup& g) { g.samples[0].tokens[1] = -1; }).find("outside the vocabulary"),
      std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) { g.prompt[0] = 128; }).find("prompt token 0"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) { g.prompt.clear(); }).find("prompt of 0 tokens"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].tokens.push_back(68);
              g.samples[1].tokens.push_back(69);
              g.samples[1].logprobs.resize(5, -1.0f);
              g.samples[1].text = "ABCDE";
            }).find("more than max_new_tokens"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.prompt = {80, 81, 82, 83, 84, 85};
            }).find("exceed 8 positions"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[0].logprobs.pop_back();
            }).find("2 log-probs for 3 tokens"),
            std::string::npos);
  EXPECT_NE(
      problem([](RolloutGroup& g) { g.samples[0].logprobs[2] = std::nanf(""); }).find("log-prob 2"),
      std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) { g.samples[0].logprobs[0] = 0.5f; }).find("log-prob 0"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].finish_reason = "done";
            }).find("finish_reason 'done'"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].text = "<answer>42</answer>";
            }).find("not the decoding"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[0].reward = 1.2;
            }).find("outside the reward config's range"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) { g.samples[0].reward = -0.6; }).find("outside"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[0].reward = std::numeric_limits<double>::quiet_NaN();
            }).find("outside"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[0].reward.reset();
            }).find("no reward and no verifier error"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[0].verifier_error = true;
            }).find("a reward and a verifier error"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].penalties = {{0, 2, 0.75}};
            }).find("a penalty span of 0.75 where the reward config allows (0, 0.5]"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].penalties = {{0, 2, -0.25}};
            }).find("a penalty span"),
            std::string::npos);
  // Many spans on the same bytes must not add up past what the config allows.
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].penalties = {{0, 2, 0.5}, {1, 3, 0.25}};
            }).find("add up to 0.75 on byte 1"),
            std::string::npos);
  EXPECT_NE(problem([](RolloutGroup& g) {
              g.samples[1].reward.reset();
              g.samples[1].verifier_error = true;
              g.samples[1].penalties = {{0, 2, 0.5}};
            }).find("penalty spans on a sample without a reward"),
            std::string::npos);
  // Messages name the seq and the sample.
  EXPECT_NE(
      problem([](RolloutGroup& g) { g.samples[1].finish_reason = "x"; }).find("seq 3: sample 1"),
      std::string::npos);
}

// Off-policy guidance: a task that carries a worked solution may have it as one more sample, the
// last, flagged guide; no peer can flag a sample of its own as one, or add one to a task
// without a guide.
TEST(RolloutChecks, AGuideSampleIsTheTasksWorkedSolutionAndComesLast) {
  auto guided = [] {
    RolloutGroup g = group();
    g.task["meta"] = {{kGuideKey, "AB"}};
    SampleResult s;
    s.tokens = {65, 66};
    s.logprobs = {-0.5f, -0.25f};
    s.text = "AB";
    s.finish_reason = "stop";
    s.reward = 1.1;
    s.guide = true;
    g.samples.push_back(std::move(s));
    return g;
  };
  EXPECT_NO_THROW(check_rollout_group(guided(), limits()));
  {
    // The prompt ends with the template's completion_prefix: the guide's text goes without it.
    RolloutGroup g = guided();
    g.task["meta"][kGuideKey] = "<t>AB";
    RolloutLimits l = limits();
    EXPECT_NE(
        error_of<MessageError>([&] { check_rollout_group(g, l); }).find("not the task's guide"),
        std::string::npos);
    l.guide_text = [](const std::string& guide) { return guide.substr(3); };
    EXPECT_NO_THROW(check_rollout_group(g, l));
  }
  RolloutGroup without = guided();
  without.samples.pop_back();  // a guide that did not fit is left out
  EXPECT_NO_THROW(check_rollout_group(without, limits()));
  auto refused = [&](const std::function<void(RolloutGroup&)>& spoil) {
    RolloutGroup g = guided();
    spoil(g);
    return error_of<MessageError>([&] { check_rollout_group(g, limits()); });
  };
  EXPECT_NE(refused([](RolloutGroup& g) { g.samples[2].text = "BA"; }).find("not the task's guide"),
            std::string::npos);
  EXPECT_NE(refused([](RolloutGroup& g) {
              g.task["meta"].erase(kGuideKey);
            }).find("a task without a guide"),
            std::string::npos);
  EXPECT_NE(
      refused([](RolloutGroup& g) { g.task["meta"][kGuideKey] = 7; }).find("must be a string"),
      std::string::npos);
  EXPECT_NE(refused([](RolloutGroup& g) {
              std::swap(g.samples[0], g.samples[2]);
            }).find("sample 0: a guide sample that is not the group's last"),
            std::string::npos);
  EXPECT_NE(refused([](RolloutGroup& g) {
              g.samples[2].finish_reason = "length";
            }).find("does not finish with 'stop'"),
            std::string::npos);
  EXPECT_NE(refused([](RolloutGroup& g) {
              g.samples.erase(g.samples.begin());
            }).find("2 samples, the run's group_size is 2 (and one guide)"),
            std::string::npos);
  // A sampled sample flagged as the guide: its text is not the guide's.
  EXPECT_NE(refused([](RolloutGroup& g) {
              g.samples.pop_back();
              g.samples[1].guide = true;
            }).find("not the task's guide"),
            std::string::npos);
}

TEST(RolloutChecks, ADecoderThatThrowsIsAMessageError) {
  RolloutLimits l = limits();
  l.decode = [](const std::vector<int32_t>&) -> std::string {
    throw std::runtime_error("no such token");
  };
  EXPECT_NE(error_of<MessageError>([&] { check_rollout_group(group(), l); }).find("no such token"),
            std::string::npos);
}

TEST(RolloutChecks, AnswersOnlyTheTaskSentForItsSeq) {
  const RolloutGroup g = group();
  const SentTask sent{g.task, g.prompt};
  EXPECT_NO_THROW(check_answers(g, sent, 1));
  EXPECT_NE(
      error_of<MessageError>([&] { check_answers(g, sent, 0); }).find("newer than the learner's 0"),
      std::string::npos);
  RolloutGroup other = g;
  other.task["answer"] = "forged";
  EXPECT_NE(
      error_of<MessageError>([&] { check_answers(other, sent, 1); }).find("not the task sent"),
      std::string::npos);
  other = g;
  other.prompt = {80};
  EXPECT_NE(
      error_of<MessageError>([&] { check_answers(other, sent, 1); }).find("not that task's prompt"),
      std::string::npos);
}
