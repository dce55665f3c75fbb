// The reasoning block of metrics.jsonl (learner/reasoning_stats.h): backtracks, first-try and
// after-backtrack answers, and the share of false claims, on hand-written completions.
#include <gtest/gtest.h>

#include "learner/reasoning_stats.h"

using namespace r1;

TEST(ReasoningStats, CountsBacktracksAnswersAndFalseClaims) {
  ReasoningStats s;
  // A search that backtracks once and ends right: 5 claims, all true.
  s.add("<think>7*5 = 35\n35+3 = 38 != 36\nback\n7+5 = 12\n12*3 = 36</think><answer>(7+5)*3</answer>",
        true);
  // Right on the first try; one claim.
  s.add("12*3 = 36\n</think><answer>12*3</answer>", true);
  // Wrong, two backtracks, a false check ("36 != 36") and a false step; claims after the
  // answer do not count.
  s.add("<think>7+5 = 13\nback\n35+1 = 36 != 36\n back.\n</think><answer>\n2+2 = 5\n</answer>",
        false);
  // No reasoning at all.
  s.add("<answer>36</answer>", false);
  const json j = s.to_json();
  EXPECT_DOUBLE_EQ(j["backtrack_rate"], 2.0 / 4);
  EXPECT_DOUBLE_EQ(j["backtracks_per_sample"], 3.0 / 4);
  EXPECT_DOUBLE_EQ(j["correct_first_try"], 1.0 / 4);
  EXPECT_DOUBLE_EQ(j["correct_after_backtrack"], 1.0 / 4);
  EXPECT_DOUBLE_EQ(j["claims_per_sample"], (5.0 + 1 + 3) / 4);
  EXPECT_DOUBLE_EQ(j["false_claim_rate"], 2.0 / 9);  // "7+5 = 13" and "36 != 36"
}

TEST(ReasoningStats, NothingAddedIsAllZeros) {
  const json j = ReasoningStats().to_json();
  for (const auto& [k, v] : j.items()) EXPECT_EQ(v.get<double>(), 0.0) << k;
}
