#include "reward/reward_range.h"

#include <algorithm>
#include <cmath>

namespace r1 {

std::pair<double, double> reward_range(const RewardConfig& config) {
  double lo = 0, hi = 0;
  for (const auto& c : config.components) {
    lo += std::min(0.0, c.weight);
    hi += std::max(0.0, c.weight);
  }
  if (config.overlong) {
    lo += std::min(0.0, -config.overlong->weight);
    hi += std::max(0.0, -config.overlong->weight);
  }
  // The reward is a sum of products in another order: allow for its rounding.
  const double margin = 1e-9 * (1 + std::max(std::fabs(lo), std::fabs(hi)));
  return {lo - margin, hi + margin};
}

}  // namespace r1
