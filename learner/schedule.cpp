#include "learner/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace r1 {

LrSchedule LrSchedule::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  LrSchedule s;
  s.kind = r.get<std::string>("kind", s.kind);
  s.warmup_steps = r.get<int64_t>("warmup_steps", s.warmup_steps);
  s.min_lr_ratio = r.get<double>("min_lr_ratio", s.min_lr_ratio);
  s.decay_steps = r.get<int64_t>("decay_steps", s.decay_steps);
  r.done();
  r.check(s.kind == "cosine" || s.kind == "linear" || s.kind == "constant", "kind",
          cat("unknown schedule '", s.kind, "' (known: cosine, linear, constant)"));
  r.check(s.warmup_steps >= 0, "warmup_steps", cat("must be >= 0, got ", s.warmup_steps));
  r.check(s.min_lr_ratio >= 0 && s.min_lr_ratio <= 1, "min_lr_ratio",
          cat("must be in [0, 1], got ", s.min_lr_ratio));
  r.check(s.decay_steps == 0 || s.decay_steps > s.warmup_steps, "decay_steps",
          cat("must be 0 (the run's last step) or greater than warmup_steps (", s.warmup_steps,
              "), got ", s.decay_steps));
  return s;
}

json LrSchedule::to_json() const {
  return {{"kind", kind},
          {"warmup_steps", warmup_steps},
          {"min_lr_ratio", min_lr_ratio},
          {"decay_steps", decay_steps}};
}

double LrSchedule::factor(int64_t step, int64_t total_steps) const {
  if (step < warmup_steps) return static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (kind == "constant") return 1.0;
  const int64_t end = decay_steps > 0 ? decay_steps : total_steps - 1;
  if (end <= warmup_steps) return 1.0;  // no room to decay (a run no longer than its warmup)
  const double p = std::min(
      1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(end - warmup_steps));
  const double shape = kind == "cosine" ? 0.5 * (1.0 + std::cos(std::numbers::pi * p)) : 1.0 - p;
  return min_lr_ratio + (1.0 - min_lr_ratio) * shape;
}

}  // namespace r1
