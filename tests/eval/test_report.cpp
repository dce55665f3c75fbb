// Eval reports (eval/report.h): the declared target's verdict, settings that differ between two
// compared reports, and verifier errors said under the table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eval/report.h"

using namespace r1;

namespace {

// A report of one suite of `n` tasks, K = 1, with `right` of them right, and settings.
json report(int n, int right, const json& settings = {{"temperature", 1.0}, {"seed", 0}},
            int errors = 0) {
  json ids = json::array(), correct = json::array();
  for (int i = 0; i < n; ++i) {
    ids.push_back("t" + std::to_string(i));
    correct.push_back(i < right ? 1 : 0);
  }
  const double p = static_cast<double>(right) / n;
  json suite = {{"suite", "s"},
                {"tasks", n},
                {"samples_per_task", 1},
                {"pass@1", {{"mean", p}, {"lo", p}, {"hi", p}, {"se", 0.0}}},
                {"pass@k", {{"1", p}}},
                {"maj@1", p},
                {"format_rate", 1.0},
                {"mean_response_tokens", 10.0},
                {"verifier_errors", errors},
                {"per_task", {{"n", 1}, {"ids", ids}, {"correct", correct}}}};
  return {{"settings", settings}, {"suites", json::array({suite})}};
}

}  // namespace

// Reached means the gain's whole interval is past the goal: a point estimate past it with the
// interval reaching below (published verdicts said "reached" for +2.7 [0.1, 5.3] against +2) has
// not shown it.
TEST(EvalReport, ATargetIsReachedWhenTheGainsIntervalIsPastTheGoal) {
  const json before = report(200, 40);
  const std::string clear = target_verdict(before, report(200, 120), "s", 0.2);
  EXPECT_NE(clear.find("goal +20.0): reached"), std::string::npos) << clear;
  const std::string edge = target_verdict(before, report(200, 84), "s", 0.2);  // +22 points
  EXPECT_NE(edge.find("NOT reached (the point estimate is past the goal, the interval's lower end"),
            std::string::npos)
      << edge;
  const std::string short_of = target_verdict(before, report(200, 60), "s", 0.2);
  EXPECT_NE(short_of.find("): NOT reached\n"), std::string::npos) << short_of;
  EXPECT_NE(target_verdict(before, report(200, 60), "other", 0.2).find("missing"),
            std::string::npos);
}

TEST(EvalReport, SettingsThatDifferAreNamedTheSeedAside) {
  const json a = report(10, 5, {{"temperature", 1.0}, {"samples", 8}, {"seed", 0}});
  const json b = report(10, 5, {{"temperature", 0.3}, {"samples", 8}, {"seed", 7}});
  EXPECT_EQ(differing_settings(a, b), std::vector<std::string>{"temperature (1.0 vs 0.3)"});
  EXPECT_TRUE(differing_settings(a, a).empty());
  json other_suites = a;
  other_suites["settings"]["tasks"] = "arith:n=5";  // suites are matched by name
  EXPECT_TRUE(differing_settings(a, other_suites).empty());
  const json c = report(10, 5, {{"samples", 8}, {"seed", 0}});
  EXPECT_EQ(differing_settings(a, c), std::vector<std::string>{"temperature (1.0 vs null)"});
}

TEST(EvalReport, VerifierErrorsAreSaidUnderTheTable) {
  EXPECT_EQ(markdown_table(report(10, 5)).find("verifier error"), std::string::npos);
  const std::string t = markdown_table(report(10, 5, {{"seed", 0}}, 3));
  EXPECT_NE(t.find("s: 3 completion(s) had a verifier error and count as wrong above"),
            std::string::npos)
      << t;
}
