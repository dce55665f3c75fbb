// maj@K: equivalent answers vote together.
#include <gtest/gtest.h>

#include "eval/majority_vote.h"
#include "verifiers/registry.h"

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

// The ballots an eval casts: each completion judged by the task's verifier, with its key.
std::vector<VoteInput> judged(const Task& task, const std::vector<std::string>& completions) {
  auto v = make_verifier(task.verifier);
  std::vector<VoteInput> out;
  for (const auto& c : completions) {
    Verdict d = verify_guarded(*v, task, c);
    VoteInput in{c, d.correct};
    in.verifier_error = d.verifier_error;
    if (d.details.contains(kAnswerKey)) in.answer_key = d.details[kAnswerKey].get<std::string>();
    out.push_back(std::move(in));
  }
  return out;
}
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

TEST(MajorityVote, AnswersVoteAsTheVerifierReadThem) {
  // The verifier reads "She makes $18." as 18: two votes for 18 outvote one right answer
  // (the vote's own reading made three classes of one, and the tie went to the first).
  Task t = math_task("20");
  t.prompt = "How much does she make?";
  VoteResult r = majority_vote(t, judged(t, {ans("20"), ans("She makes $18."), ans("18")}));
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.votes, 2);
  EXPECT_EQ(r.answer, "18");
  // Right answers the verifier read through prose pool with plain ones.
  Task h = math_task("\\frac{1}{2}");
  h.prompt = "Find half of one.";
  r = majority_vote(h, judged(h, {ans("3"), ans("The answer is $\\frac{1}{2}$."), ans("0.5"),
                                  ans("3"), ans("The answer is $1/2$.")}));
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.votes, 3);
}

TEST(MajorityVote, CountdownExpressionsOfOneWrongValueVoteTogether) {
  Task t;
  t.id = "c";
  t.verifier = "countdown";
  t.meta = {{"numbers", {3, 5, 2}}, {"target", 16}};
  // Three spellings of a wrong 3*5+2 = 17 against two different right expressions.
  std::vector<VoteInput> v =
      judged(t, {ans("(3+5)*2"), ans("3*5+2"), ans("2 + 5*3"), ans("2*(5+3)"), ans("(5*3) + 2")});
  ASSERT_TRUE(v[0].correct && v[3].correct && !v[1].correct);
  VoteResult r = majority_vote(t, v);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.votes, 3);
  EXPECT_EQ(r.answer, "value: 17");
  // Empty answers and a claimed result without an expression abstain, however many: three
  // "= 16" do not outvote two right expressions.
  v = judged(t, {ans(""), ans(" "), ans("= 16"), ans("= 16"), ans("= 16"), ans("(3+5)*2"),
                 ans("2*(5+3)")});
  r = majority_vote(t, v);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.votes, 2);
  Task e;
  e.id = "e";
  e.verifier = "exact";
  e.answer = "7";
  r = majority_vote(e, judged(e, {ans(""), ans("  "), ans("7")}));
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.votes, 1);
}

TEST(MajorityVote, VerifierErrorsAbstainAndKeylessVerdictsVoteByText) {
  Task t = math_task("6");
  std::vector<VoteInput> v = {{ans("7"), false}, {ans("7"), false}, {ans("6"), true}};
  v[0].verifier_error = true;
  v[1].verifier_error = true;
  VoteResult r = majority_vote(t, v);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.votes, 1);
  // A key, where given, decides over the text.
  std::vector<VoteInput> w = {{ans("x"), false, "7"}, {ans("y"), false, "7.0"}, {ans("6"), true}};
  r = majority_vote(t, w);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.votes, 2);
}
