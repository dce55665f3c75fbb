// The "learner" section of a run config.
#pragma once
#include <string>

#include "core/config_fields.h"
#include "core/json.h"
#include "learner/grpo.h"
#include "learner/optimizer.h"
#include "learner/schedule.h"

namespace r1 {

// Passes over one batch in one step: PPO-style reuse is a few passes (DAPO and DeepSeek use 1-4);
// more than this would keep a step from ever finishing.
inline constexpr int kMaxIterations = 64;

struct LearnerConfig : FieldListed<LearnerConfig> {
  int steps = 100;        // policy updates (each publishes weights version + 1)
  int batch_groups = 16;  // groups per update, after dynamic sampling
  GrpoConfig grpo;
  int iterations = 1;            // mu: passes over each batch
  int minibatches = 1;           // optimizer steps per pass
  bool share_prompts = true;     // a group's prompt is computed once for its completions
  bool dynamic_sampling = true;  // drop groups whose rewards are all equal, and sample more
  // With dynamic sampling: a group whose rewards are all equal still trains when token-level
  // penalties (a reward component's span_penalty) mark some of its tokens. Its advantages are 0,
  // so only the penalties (and a KL term, if any) give it a gradient; it takes a batch place like
  // any other group, and its tokens count in a token-mean loss.
  bool keep_penalised_groups = false;
  // Off-policy guidance (tasks.mix[i].guide): which groups train on their guide. "all": every
  // group that has one (LUFFY); "failed": only groups none of whose sampled completions is right,
  // where the policy has nothing of its own to learn from (elsewhere the guide is left out).
  std::string guide_groups = "all";
  // A step's sampling gives up after this many waves of tasks (off-policy: once it has accounted
  // for max_waves x batch_groups groups) and trains on the usable groups it has, or, with none,
  // skips its update (docs/learner.md).
  int max_waves = 4;
  // On-policy with dynamic sampling: the first wave of a step asks for up to this many times the
  // groups it needs, sized by the share of groups that were usable in recent steps, so that one
  // wave usually fills the batch (DAPO's over-sampling). The extra groups share the rollout
  // slots that the first ones' finished samples free; a second wave waits for the first's
  // slowest sample, and runs at a smaller batch. 1 disables.
  double oversample_max = 2.0;
  // 0: on-policy; every update waits for rollouts of the current weights (deterministic for a
  // seed). k > 0: rollouts up to k versions old are used, sampling overlaps training.
  int max_staleness = 0;
  int prefetch_groups = 0;      // max_staleness > 0: tasks kept in flight (0: 2 * batch_groups)
  double task_timeout_s = 300;  // a task not back by then is written off (its worker died)
  double bias_gamma = 1e-3;     // aux-loss-free balancing speed; 0 disables
  OptimizerConfig optimizer;
  LrSchedule schedule;
  int checkpoint_every = 50;  // steps; a final checkpoint is always written
  int keep_checkpoints = 3;
  int samples_every = 10;  // steps between samples.jsonl entries
  int samples_per_step = 4;
  int threads = 0;         // OpenMP threads for training; 0 = all cores
  double max_seconds = 0;  // > 0: end the run (final checkpoint and model) after this wall time
  std::string device;      // where the policy trains: cpu, cuda, cuda:N ("": model.device)

  static const ConfigFields<LearnerConfig>& fields();  // name, default, check, help of each field
};

}  // namespace r1
