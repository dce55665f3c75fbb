// DAPO's soft overlong punishment (Yu et al. 2025, eq. 13): no penalty up to
// L_max - L_cache tokens, then a linear ramp down to -1 at L_max, and -1 beyond it.
#pragma once
#include <cstdint>

#include "reward/reward_config.h"

namespace r1 {

// In [-1, 0]; multiply by the configured weight.
double overlong_penalty(int64_t completion_tokens, int64_t max_tokens, int64_t buffer_tokens);

}  // namespace r1
