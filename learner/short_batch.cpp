#include "learner/short_batch.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1 {

namespace {

// "32 returned: 30 with all rewards equal, 2 lost"
std::string breakdown(const SamplingTally& t) {
  std::string s = cat(t.returned, " returned");
  std::string parts;
  auto part = [&](int64_t n, const char* what) {
    if (n > 0) parts += cat(parts.empty() ? "" : ", ", n, " ", what);
  };
  part(t.zero_variance, "with all rewards equal");
  part(t.too_few, "with fewer than 2 valid samples");
  part(t.stale, "stale");
  part(t.lost, "lost");
  return parts.empty() ? s : s + ": " + parts;
}

// The most common reason groups were not usable, and what to do about it.
std::string advice(const SamplingTally& t) {
  const int64_t most = std::max({t.zero_variance, t.too_few, t.stale, t.lost});
  if (most == 0)
    return "no group came back: are the rollout workers and the reward service running?";
  if (most == t.zero_variance) {
    return "all rewards equal in most groups: the policy may solve none (or all) of these tasks, "
           "as after a weak "
           "cold start; lower (or raise) the task difficulty, train the cold start longer, or set "
           "learner.dynamic_sampling to false";
  }
  if (most == t.lost) {
    return cat("tasks not back within learner.task_timeout_s=", t.task_timeout_s,
               "s were written off: are the rollout workers alive, and is the timeout long enough "
               "for a batch?");
  }
  if (most == t.stale) {
    return "groups older than learner.max_staleness were dropped: raise max_staleness or add "
           "rollout workers";
  }
  return "samples failed verification (verifier errors): check the reward's verifiers and the "
         "tasks' answers";
}

}  // namespace

std::string short_batch_warning(int64_t step, const SamplingTally& t) {
  const std::string outcome = t.used > 0 ? cat("training on the ", t.used, " usable groups")
                                         : std::string("skipping the step (no update)");
  return cat("learner: step ", step, ": gave up after ", t.waves, " waves with ", t.used, " of ",
             t.wanted, " groups usable (", breakdown(t), "); ", outcome, ". ", advice(t));
}

std::string long_sampling_note(int64_t step, const SamplingTally& t) {
  if (t.waves < 8 || (t.waves & (t.waves - 1)) != 0) return "";
  return cat("learner: step ", step, ": wave ", t.waves, ", ", t.used, " of ", t.wanted,
             " groups usable so far (", breakdown(t), ")");
}

int first_wave_size(int missing, double usable_share, double oversample_max) {
  const double cap = std::max(1.0, oversample_max) * missing;
  const double want = missing / std::max(usable_share, 1e-3);
  // Rounded up with a little slack, so that 16 / 0.8 asks for 20, not 21.
  const int n = static_cast<int>(std::ceil(std::min(want, cap) - 1e-9));
  return std::max(missing, n);
}

double next_usable_share(double share, int64_t usable, int64_t returned) {
  if (returned <= 0) return share;
  const double now = static_cast<double>(std::min(usable, returned)) / returned;
  return 0.5 * share + 0.5 * now;
}

}  // namespace r1
