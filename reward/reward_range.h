// The range of rewards a reward config can produce: each component adds weight * score with a
// score in [0, 1], and the overlong penalty adds weight * [-1, 0]. A reward outside it did not
// come from this config (a forged or broken scored group, core/rollout_checks.h).
#pragma once
#include <utility>

#include "reward/reward_config.h"

namespace r1 {

// {min, max}, widened by a rounding margin.
std::pair<double, double> reward_range(const RewardConfig& config);

}  // namespace r1
