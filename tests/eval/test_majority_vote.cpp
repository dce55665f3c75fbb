// maj@K: equivalent answers vote together.
#include <gtest/gtest.h>

#include "eval/majority_vote.h"

using namespace r1;

namespace {
Task math_task(const std::string& answer) {
  Task t;
  t.id = "m";
  t.answer = answer;
  t.verifier = "math";
  return t;
}
std::string ans(const std::string& a) { return "<think>...</think><answer>" + a + "</answer>"; }
}  // namespace

TEST(MajorityVote, EquivalentMathAnswersVoteTogether) {
  // Three spellings of 1/2 outvote two votes for 3.
  std::vector<VoteInput> v = {{ans("3"), false}, {ans("1/2"), true}, {ans("0.5"), true}, {ans("3"), false},
                              {ans("\\frac{1}{2}"), true}};
  VoteResult r = majority_vote(math_task("1/2"), v);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.votes, 3);
}

TEST(MajorityVote, WrongMajorityAndAbstentions) {
  std::vector<VoteInput> v = {{ans("7"), false}, {ans("7.0"), false}, {ans("6"), true}, {"no answer here", false},
                              {"<think>x</think>", false}};
  VoteResult r = majority_vote(math_task("6"), v);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.votes, 2);
  EXPECT_FALSE(majority_vote(math_task("6"), {{"", false}}).correct);
}

TEST(MajorityVote, TiesGoToTheFirstAnswer) {
  std::vector<VoteInput> v = {{ans("6"), true}, {ans("7"), false}};
  EXPECT_TRUE(majority_vote(math_task("6"), v).correct);
  std::vector<VoteInput> w = {{ans("7"), false}, {ans("6"), true}};
  EXPECT_FALSE(majority_vote(math_task("6"), w).correct);
}

TEST(MajorityVote, NonMathTasksGroupCorrectAnswers) {
  Task t;
  t.verifier = "countdown";
  // Two different valid expressions are one class and outvote one repeated wrong answer... tie
  // broken by first appearance.
  std::vector<VoteInput> v = {{ans("2*3+4"), true}, {ans("1+1"), false}, {ans("4+3*2"), true}, {ans("1+1"), false},
                              {ans("10"), true}};
  VoteResult r = majority_vote(t, v);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.votes, 3);
}
