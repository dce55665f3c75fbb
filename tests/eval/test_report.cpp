// Eval reports (eval/report.h): the declared target's verdict, settings that differ between two
// compared reports, and verifier errors said under the table.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
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

// A lower end just below the goal prints with the digits that show it below: "19.96", where
// "20.0" contradicted the "NOT reached" beside it. 26 of 88 tasks gained: +29.5, lower end 19.96.
TEST(EvalReport, ALowerEndJustBelowTheGoalIsPrintedBelowIt) {
  const std::string v = target_verdict(report(88, 0), report(88, 26), "s", 0.2);
  EXPECT_NE(v.find("gain +29.5 [19.96, 39.1] points (goal +20.0)"), std::string::npos) << v;
  EXPECT_NE(v.find("NOT reached (the point estimate is past the goal, the interval's lower end "
                   "19.96 is not)"),
            std::string::npos)
      << v;
}

// Tasks pair by id whatever order each report lists them in; over the tasks both have where the
// sets differ (the row says how many); unpaired where ids are missing or repeated; a report
// without per-task results is an error naming it.
TEST(EvalReport, ComparisonsPairTasksByIdNotByPosition) {
  const json a = report(100, 60), b = report(100, 30);
  const json in_order = compare_reports(a, b)[0];
  json reversed = b;
  json& pt = reversed["suites"][0]["per_task"];
  std::reverse(pt["ids"].begin(), pt["ids"].end());
  std::reverse(pt["correct"].begin(), pt["correct"].end());
  const json r = compare_reports(a, reversed)[0];
  EXPECT_TRUE(r["paired"].get<bool>());
  EXPECT_DOUBLE_EQ(r["pass@1"]["lo"].get<double>(), in_order["pass@1"]["lo"].get<double>());
  EXPECT_DOUBLE_EQ(r["pass@1"]["hi"].get<double>(), in_order["pass@1"]["hi"].get<double>());

  json subset = b;
  json& sp = subset["suites"][0]["per_task"];
  sp["ids"].erase(sp["ids"].begin(), sp["ids"].begin() + 20);
  sp["correct"].erase(sp["correct"].begin(), sp["correct"].begin() + 20);
  subset["suites"][0]["tasks"] = 80;
  const json cmp = compare_reports(a, subset);
  EXPECT_EQ(cmp[0]["tasks_paired"].get<int>(), 80);
  // Over tasks t20..t99: a right on t20..t59 (40), b on t20..t29 (10): +37.5 points.
  EXPECT_NEAR(cmp[0]["pass@1"]["mean"].get<double>(), 30.0 / 80, 1e-12);
  const std::string md = markdown_comparison(cmp, "a", "b");
  EXPECT_NE(md.find("yes, over the 80 tasks both have (of 100 and 80)"), std::string::npos) << md;

  json no_ids = b;
  no_ids["suites"][0]["per_task"]["ids"] = nullptr;
  json a_no_ids = a;
  a_no_ids["suites"][0]["per_task"]["ids"] = nullptr;
  const json u = compare_reports(a_no_ids, no_ids);
  EXPECT_FALSE(u[0]["paired"].get<bool>());
  EXPECT_NE(markdown_comparison(u, "a", "b").find("no (task ids missing or repeated)"),
            std::string::npos);

  // One id twice (a dataset may repeat one), in both reports alike: paired by position.
  json rep_a = a, rep_b = b;
  rep_a["suites"][0]["per_task"]["ids"][1] = "t0";
  rep_b["suites"][0]["per_task"]["ids"][1] = "t0";
  const json rep = compare_reports(rep_a, rep_b)[0];
  EXPECT_TRUE(rep["paired"].get<bool>());
  EXPECT_DOUBLE_EQ(rep["pass@1"]["lo"].get<double>(), in_order["pass@1"]["lo"].get<double>());

  json cut = b;
  cut["suites"][0].erase("per_task");
  try {
    compare_reports(a, cut);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("second report: suite s has no per-task results"),
              std::string::npos)
        << e.what();
  }
}
