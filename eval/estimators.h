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

// The difference of two means with its 95% interval: paired (per-task differences) when both
// lists hold the same tasks in the same order, else from the two standard errors.
MeanCI difference_ci95(const std::vector<double>& a, const std::vector<double>& b, bool paired);

}  // namespace r1
