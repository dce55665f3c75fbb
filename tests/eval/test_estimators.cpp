// pass@k and the intervals against values computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "eval/estimators.h"
#include "eval/evaluator.h"
#include "tasks/suite.h"

using namespace r1;

TEST(PassAtK, HandComputed) {
  // n = 4, c = 1: pass@1 = 1/4; pass@2 = 1 - C(3,2)/C(4,2) = 1 - 3/6 = 1/2.
  EXPECT_NEAR(pass_at_k(4, 1, 1), 0.25, 1e-15);
  EXPECT_NEAR(pass_at_k(4, 1, 2), 0.5, 1e-15);
  // n = 8, c = 2, k = 4: 1 - C(6,4)/C(8,4) = 1 - 15/70.
  EXPECT_NEAR(pass_at_k(8, 2, 4), 1.0 - 15.0 / 70.0, 1e-15);
  // pass@1 is the fraction correct.
  EXPECT_NEAR(pass_at_k(10, 7, 1), 0.7, 1e-15);
}

TEST(PassAtK, EdgeCases) {
  EXPECT_EQ(pass_at_k(5, 0, 1), 0.0);  // c = 0
  EXPECT_EQ(pass_at_k(5, 0, 5), 0.0);
  EXPECT_EQ(pass_at_k(5, 1, 5), 1.0);  // n = k: any correct sample is drawn
  EXPECT_EQ(pass_at_k(5, 5, 1), 1.0);
  EXPECT_EQ(pass_at_k(1, 1, 1), 1.0);
  EXPECT_EQ(pass_at_k(1, 0, 1), 0.0);
  EXPECT_EQ(pass_at_k(6, 4, 3), 1.0);  // n - c < k
  // Large n stays finite and exact enough.
  EXPECT_NEAR(pass_at_k(1000, 1, 1), 0.001, 1e-15);
  EXPECT_THROW(pass_at_k(4, 5, 1), Error);
  EXPECT_THROW(pass_at_k(4, 1, 5), Error);
  EXPECT_THROW(pass_at_k(4, 1, 0), Error);
}

TEST(Intervals, MeanAndDifference) {
  MeanCI m = mean_ci95({0.0, 1.0, 1.0, 0.0});
  EXPECT_NEAR(m.mean, 0.5, 1e-15);
  // sample std = sqrt(1/3); se = sqrt(1/3)/2
  EXPECT_NEAR(m.se, std::sqrt(1.0 / 3.0) / 2.0, 1e-15);
  EXPECT_NEAR(m.hi - m.mean, 1.96 * m.se, 1e-15);
  EXPECT_EQ(mean_ci95({}).n, 0);
  MeanCI d = difference_ci95({1, 1, 0, 1}, {0, 1, 0, 0}, true);  // per-task differences {1,0,0,1}
  EXPECT_NEAR(d.mean, 0.5, 1e-15);
  EXPECT_NEAR(d.se, std::sqrt(1.0 / 3.0) / 2.0, 1e-15);
  MeanCI u = difference_ci95({1, 1, 0, 1}, {0, 1, 0, 0}, false);
  EXPECT_NEAR(u.mean, 0.5, 1e-15);
  EXPECT_NEAR(u.se, std::sqrt(0.0625 + 0.0625), 1e-15);  // two se of 0.25 each
}

// Tasks that are the same problem are one unit: with every problem once the interval is the plain
// one; a problem drawn twice counts once, so two copies of {0, 1} are no more certain than one.
TEST(Intervals, TasksOfOneProblemAreOneUnit) {
  const std::vector<double> v = {0.0, 1.0, 1.0, 0.0};
  const MeanCI plain = mean_ci95(v);
  const MeanCI singles = mean_ci95(v, {0, 1, 2, 3});
  EXPECT_NEAR(singles.mean, plain.mean, 1e-15);
  EXPECT_NEAR(singles.se, plain.se, 1e-15);
  // Problems {0: tasks 0, 3}, {1: tasks 1, 2}: residuals per problem -1 and +1, C = 2:
  // se = sqrt(2 / 1 * (1 + 1)) / 4 = 0.5 (the plain one is 0.289).
  const MeanCI pairs = mean_ci95(v, {0, 1, 1, 0});
  EXPECT_NEAR(pairs.mean, 0.5, 1e-15);
  EXPECT_NEAR(pairs.se, 0.5, 1e-15);
  EXPECT_GT(pairs.se, plain.se);
  // One problem only: no spread between problems to measure.
  EXPECT_EQ(mean_ci95(v, {7, 7, 7, 7}).se, 0.0);
  // A paired difference is clustered too; ids must match the tasks.
  // Differences {1, 0, 0, 1}, mean 0.5: problem 0 (tasks 0, 3) has residual +1, problem 1 -1.
  const MeanCI d = difference_ci95({1, 1, 0, 1}, {0, 1, 0, 0}, true, {0, 1, 1, 0});
  EXPECT_NEAR(d.mean, 0.5, 1e-15);
  EXPECT_NEAR(d.se, std::sqrt(2.0 * (1.0 + 1.0)) / 4.0, 1e-15);
  // Grouped the other way the two halves agree: no spread between problems.
  EXPECT_NEAR(difference_ci95({1, 1, 0, 1}, {0, 1, 0, 0}, true, {0, 0, 1, 1}).se, 0.0, 1e-15);
  EXPECT_THROW(mean_ci95(v, {0, 1}), Error);
}

// A generated suite draws with replacement: countdown with two numbers has ~1,200 problems, and
// its 500-task suite holds 346 of them. Tasks that are the same problem (in any order of the
// numbers) share an id, and the summary's interval counts problems, not tasks.
TEST(Intervals, ASuitesRepeatedProblemsShareAnId) {
  SuiteResult r;
  r.spec = parse_suites("countdown:level=1:n=500:seed=9001").at(0);
  r.samples_per_task = 1;
  for (const Task& t : load_suite(r.spec)) {
    TaskOutcome o;
    o.task = t;
    o.samples.resize(1);
    o.samples[0].verdict.correct = t.meta["numbers"][0].get<int>() % 2 == 0;
    r.tasks.push_back(o);
  }
  const std::vector<int> ids = r.problem_ids();
  ASSERT_EQ(ids.size(), 500u);
  EXPECT_EQ(*std::max_element(ids.begin(), ids.end()) + 1, 346);
  const json s = r.summary();
  EXPECT_EQ(s["problems"], 346);
  EXPECT_EQ(s["per_task"]["problem"].get<std::vector<int>>(), ids);
  std::vector<double> v;
  for (const auto& o : r.tasks) v.push_back(o.samples[0].verdict.correct ? 1.0 : 0.0);
  EXPECT_NEAR(s["pass@1"]["se"].get<double>(), mean_ci95(v, ids).se, 1e-12);
  EXPECT_GT(s["pass@1"]["se"].get<double>(), mean_ci95(v).se);
}
