// When a step's sampling gives up: what the learner gathered in its waves of tasks, and the
// warning that says why the batch is short and what to change.
//
// Dynamic sampling drops groups whose rewards are all equal and samples more; groups are also
// lost (a task not back within task_timeout_s), stale (older than max_staleness) or have too few
// valid samples (verifier errors). A step gives up after max_waves waves (on-policy), or once it
// has accounted for max_waves x batch_groups groups (off-policy), and then trains on the usable
// groups it has, or, with none, skips its update (docs/learner.md).
#pragma once
#include <cstdint>
#include <string>

namespace r1 {

struct SamplingTally {
  int64_t wanted = 0;  // batch_groups
  int64_t used = 0;    // usable groups gathered
  int64_t waves = 0, returned = 0, zero_variance = 0, too_few = 0, stale = 0, lost = 0;
  double task_timeout_s = 0;
};

// "learner: step 3: gave up after 4 waves with 0 of 8 groups usable (32 returned: 32 with all
// rewards equal); skipping the step (no update). <the likely cause and its fix>"
std::string short_batch_warning(int64_t step, const SamplingTally& t);

// The first wave of an on-policy step: `missing` groups divided by the share of groups that
// were usable recently (so that one wave usually fills the batch), at most oversample_max x
// missing, never fewer than missing.
int first_wave_size(int missing, double usable_share, double oversample_max);

// The recent usable share after a step in which `usable` of `returned` groups could train
// (an average that halves the weight of older steps; unchanged when none returned).
double next_usable_share(double share, int64_t usable, int64_t returned);

// Every power-of-two wave from the 8th, a note that the step is still sampling (so a long
// search is visible in the log); empty otherwise.
std::string long_sampling_note(int64_t step, const SamplingTally& t);

}  // namespace r1
