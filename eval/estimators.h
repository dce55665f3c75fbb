// Estimators of an evaluation: unbiased pass@k (Chen et al. 2021, "Evaluating Large Language
// Models Trained on Code"), and the mean over tasks with a 95% confidence interval.
#pragma once
#include <vector>

namespace r1 {

// The probability that at least one of k samples drawn without replacement from n samples, c of
// them correct, is correct: 1 - C(n - c, k) / C(n, k), computed as a product so that it stays
// exact for large n. Requires 0 <= c <= n and 1 <= k <= n.
double pass_at_k(int n, int c, int k);

// Mean of per-task values with a 95% interval from the normal approximation on the tasks
// (1.96 standard errors, the sample std over tasks). Tasks, not samples, are the independent
// units: the K samples of one task are correlated.
struct MeanCI {
  double mean = 0, se = 0, lo = 0, hi = 0;
  int n = 0;
};
MeanCI mean_ci95(const std::vector<double>& per_task);

// mean_ci95 for per-task rates in [0, 1], clipped to [0, 1]. Where every task scored 0 (or
// every one 1), the normal interval has no width: "0.0 [0.0, 0.0]" over 100 tasks would claim
// certainty that 100 tasks cannot give. There the far end is Wilson's score bound for that
// many tasks, z^2 / (n + z^2) from the edge (3.7 points over 100 tasks): per-task rates in
// [0, 1] vary at most as much as pass/fail tasks do, so the bound is conservative.
MeanCI rate_ci95(const std::vector<double>& per_task);

// The difference of two means with its 95% interval: paired (per-task differences) when both
// lists hold the same tasks in the same order, else from the two standard errors.
MeanCI difference_ci95(const std::vector<double>& a, const std::vector<double>& b, bool paired);

}  // namespace r1
