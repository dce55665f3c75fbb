// Learning-rate schedules: linear warmup, then cosine (or linear) decay to min_lr_ratio * lr, or
// a constant rate. A schedule gives a factor of the peak lr (OptimizerConfig::lr) for each step.
//
// Steps are 0-based optimizer steps. Warmup step s < warmup_steps uses (s + 1) / warmup_steps,
// so the first step already moves the weights (Hugging Face's schedule gives step 0 a zero lr).
// Decay runs from step warmup_steps (factor 1) to step decay_end (factor min_lr_ratio) and stays
// there; decay_end is decay_steps when set, else the run's total steps minus one, so that the
// last step of the run uses exactly min_lr_ratio.
#pragma once
#include <cstdint>
#include <string>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

struct LrSchedule : FieldListed<LrSchedule> {
  std::string kind = "cosine";  // "cosine", "linear" or "constant" (after warmup)
  int64_t warmup_steps = 0;
  double min_lr_ratio = 0.1;  // final lr = min_lr_ratio * peak (cosine, linear)
  int64_t decay_steps = 0;    // step at which decay ends; 0 = the run's last step

  // {"kind", "warmup_steps", "min_lr_ratio", "decay_steps"}; unknown fields are rejected.
  static LrSchedule from_json(const json& j, const std::string& where);
  static const ConfigFields<LrSchedule>& fields();  // name, default, check, help of each field

  // Multiplier of the peak lr at 0-based `step` of a run of `total_steps` steps.
  double factor(int64_t step, int64_t total_steps) const;
  double lr(double peak, int64_t step, int64_t total_steps) const {
    return peak * factor(step, total_steps);
  }
};

}  // namespace r1
