#include "eval/estimators.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1 {

double pass_at_k(int n, int c, int k) {
  if (n < 1 || c < 0 || c > n || k < 1 || k > n) fail("pass@k: need 0 <= c <= n and 1 <= k <= n, got n=", n, " c=", c, " k=", k);
  if (n - c < k) return 1.0;  // every draw of k holds a correct sample
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
  double miss = 1.0;
  for (int i = n - c + 1; i <= n; ++i) miss *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - miss;
}

MeanCI mean_ci95(const std::vector<double>& v) {
  MeanCI r;
  r.n = static_cast<int>(v.size());
  if (v.empty()) return r;
  for (double x : v) r.mean += x;
  r.mean /= r.n;
  if (r.n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - r.mean) * (x - r.mean);
    r.se = std::sqrt(ss / (r.n - 1) / r.n);
  }
  r.lo = r.mean - 1.96 * r.se;
  r.hi = r.mean + 1.96 * r.se;
  return r;
}

MeanCI rate_ci95(const std::vector<double>& v) {
  MeanCI r = mean_ci95(v);
  r.lo = std::max(0.0, r.lo);
  r.hi = std::min(1.0, r.hi);
  if (r.n == 0) return r;
  bool all_zero = true, all_one = true;
  for (double x : v) {
    all_zero = all_zero && x == 0.0;
    all_one = all_one && x == 1.0;
  }
  const double z2 = 1.96 * 1.96, edge = z2 / (r.n + z2);
  if (all_zero) r.hi = edge;
  if (all_one) r.lo = 1.0 - edge;
  return r;
}

MeanCI difference_ci95(const std::vector<double>& a, const std::vector<double>& b, bool paired) {
  if (paired) {
    if (a.size() != b.size()) fail("paired difference of lists of different sizes (", a.size(), " and ", b.size(), ")");
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
    return mean_ci95(d);
  }
  MeanCI x = mean_ci95(a), y = mean_ci95(b), r;
  r.n = std::min(x.n, y.n);
  r.mean = x.mean - y.mean;
  r.se = std::sqrt(x.se * x.se + y.se * y.se);
  r.lo = r.mean - 1.96 * r.se;
  r.hi = r.mean + 1.96 * r.se;
  return r;
}

}  // namespace r1
