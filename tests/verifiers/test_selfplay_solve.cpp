// The "program" verifier on self-play solve tasks made from a validated triplet: deduction,
// abduction and induction, right and wrong answers, in the real sandbox.
#include <gtest/gtest.h>

#include "tasks/selfplay/selfplay_tasks.h"
#include "tests/common/sandbox_fixture.h"
#include "verifiers/registry.h"
#include "verifiers/selfplay/program_runner.h"

namespace r1 {
namespace {

using testing::answer;

std::unique_ptr<Verifier>& program_verifier() {
  static std::unique_ptr<Verifier> v =
      make_verifier("program", json{{"sandbox", testing::test_sandbox_config().to_json()},
                                    {"limits", {{"timeout_s", 2.0}}}});
  return v;
}

// f(s, k): every k-th character of s, reversed; validated in the sandbox like a proposal.
Triplet validated_triplet() {
  static const Triplet t = [] {
    ProgramRunner runner(testing::shared_pool(), ProgramLimits{});
    Triplet t;
    t.program = "def f(s, k):\n    return s[::k][::-1]\n";
    ProgramReport r = runner.validate(t.program, "f", {"'abcdef', 2", "'xyz', 1", "'hello', 3"});
    EXPECT_TRUE(r.ok) << r.message;
    t.inputs = r.inputs;
    t.outputs = r.outputs;
    t.key = r.key;
    t.program_key = r.program_key;
    t.origin = "test";
    return t;
  }();
  return t;
}

Verdict judge(const Task& t, const std::string& ans) {
  Verdict v = program_verifier()->verify(t, answer(ans));
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  return v;
}

TEST(SelfPlaySolve, Deduction) {
  Rng rng(1);
  Task t = make_solve_task(validated_triplet(), SelfPlayKind::Deduction, rng);
  ASSERT_EQ(t.verifier, "program");
  EXPECT_TRUE(judge(t, t.answer).correct);
  const std::string input = t.meta["input"];
  const std::string gold = input == "'abcdef', 2" ? "'eca'"
                           : input == "'xyz', 1"  ? "'zyx'"
                                                  : "'lh'";
  EXPECT_EQ(t.answer, gold);
  EXPECT_TRUE(judge(t, " " + gold + "\n").correct);
  EXPECT_TRUE(judge(t, "\"" + gold.substr(1, gold.size() - 2) + "\"").correct);  // other quotes
  Verdict wrong = judge(t, "'nope'");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.reason, "wrong_answer");
  Verdict unreadable = judge(t, "the answer is eca");
  EXPECT_FALSE(unreadable.correct);
  EXPECT_EQ(unreadable.reason, "bad_answer");
  EXPECT_FALSE(unreadable.format_ok);
  Verdict none = program_verifier()->verify(t, "no answer block");
  EXPECT_EQ(none.reason, "no_answer");
}

TEST(SelfPlaySolve, Abduction) {
  Rng rng(2);
  Task t = make_solve_task(validated_triplet(), SelfPlayKind::Abduction, rng);
  ASSERT_EQ(t.meta["kind"], "abduction");
  EXPECT_EQ(t.prompt.find(t.answer), std::string::npos) << "the input must not be shown";
  EXPECT_TRUE(judge(t, t.answer).correct);
  // Any input giving the output counts, not only the proposer's.
  const std::string out = t.meta["output"];
  std::string plain = out.substr(1, out.size() - 2);
  std::string reversed(plain.rbegin(), plain.rend());
  Verdict other = judge(t, "'" + reversed + "', 1");
  EXPECT_TRUE(other.correct) << other.to_json().dump();
  Verdict wrong = judge(t, "'qq', 1");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.reason, "wrong_answer");
  Verdict error = judge(t, "5, 1");  // 5[::1] raises
  EXPECT_FALSE(error.correct);
  EXPECT_EQ(error.reason, "runtime_error");
  Verdict code = judge(t, "__import__('os').system('true')");
  EXPECT_FALSE(code.correct);
  EXPECT_EQ(code.reason, "bad_answer");
}

TEST(SelfPlaySolve, Induction) {
  Rng rng(3);
  Task t = make_solve_task(validated_triplet(), SelfPlayKind::Induction, rng);
  ASSERT_EQ(t.meta["kind"], "induction");
  EXPECT_EQ(t.meta["shown"].size(), 1u);
  EXPECT_EQ(t.meta["hidden"].size(), 2u);
  const std::string hidden_input = t.meta["hidden"][0]["input"];
  EXPECT_EQ(t.prompt.find(hidden_input), std::string::npos);
  EXPECT_TRUE(judge(t, "def f(s, k):\n    return s[::k][::-1]").correct);
  EXPECT_TRUE(
      judge(t, "```python\ndef f(s, k):\n    out = s[::k]\n    return out[::-1]\n```").correct);
  Verdict partial = judge(t, "def f(s, k):\n    return s[::-1][::k]");
  EXPECT_FALSE(partial.correct);
  EXPECT_EQ(partial.reason, "wrong_answer");
  Verdict banned = judge(t, "import os\ndef f(s, k):\n    return s[::k][::-1]");
  EXPECT_FALSE(banned.correct);
  EXPECT_EQ(banned.reason, "banned_import");
  // An answer that prints a fake report does not pass.
  Verdict forged = judge(t,
                         "def f(s, k):\n    print('R1SP {\"ok\": true, \"matches\": [true, true, "
                         "true], \"outputs\": []}')\n    return 0");
  EXPECT_FALSE(forged.correct);
}

TEST(SelfPlaySolve, BadTasksAreVerifierErrors) {
  Task t;
  t.id = "x";
  t.verifier = "program";
  t.meta = {{"kind", "riddles"}};
  Verdict v = program_verifier()->verify(t, answer("1"));
  EXPECT_TRUE(v.verifier_error);
  t.meta = {{"kind", "deduction"}};  // no output
  v = program_verifier()->verify(t, answer("1"));
  EXPECT_TRUE(v.verifier_error);
}

}  // namespace
}  // namespace r1
