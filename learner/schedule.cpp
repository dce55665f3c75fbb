#include "learner/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace r1 {

const ConfigFields<LrSchedule>& LrSchedule::fields() {
  using C = LrSchedule;
  static const auto f =
      ConfigFields<C>("schedule")
          .add("kind", &C::kind, "cosine, linear or constant decay after the warmup",
               FieldCheck<std::string>([](const std::string& k) -> std::optional<std::string> {
                 if (k == "cosine" || k == "linear" || k == "constant") return std::nullopt;
                 return cat("unknown schedule '", k, "' (known: cosine, linear, constant)");
               }))
          .add("warmup_steps", &C::warmup_steps, "steps of linear warmup from 0",
               FieldCheck<int64_t>([](int64_t v) -> std::optional<std::string> {
                 if (v >= 0) return std::nullopt;
                 return cat("must be >= 0, got ", v);
               }))
          .add("min_lr_ratio", &C::min_lr_ratio, "the decay ends at lr times this",
               FieldCheck<double>([](double v) -> std::optional<std::string> {
                 if (v >= 0 && v <= 1) return std::nullopt;
                 return cat("must be in [0, 1], got ", v);
               }))
          .add("decay_steps", &C::decay_steps, "the step where the decay ends; 0: the run's last");
  return f;
}

LrSchedule LrSchedule::from_json(const json& j, const std::string& where) {
  LrSchedule s = fields().read(j, where);
  JsonReader r(j, where);
  r.check(s.decay_steps == 0 || s.decay_steps > s.warmup_steps, "decay_steps",
          cat("must be 0 (the run's last step) or greater than warmup_steps (", s.warmup_steps,
              "), got ", s.decay_steps));
  return s;
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
