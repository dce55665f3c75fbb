#include "learner/learner_config.h"

#include "core/thread_pool.h"

namespace r1 {

const ConfigFields<LearnerConfig>& LearnerConfig::fields() {
  using C = LearnerConfig;
  static const auto f =
      ConfigFields<C>("learner")
          .add("steps", &C::steps, "policy updates; each publishes weights version + 1",
               at_least<int>(1, "must be >= 1"))
          .add("batch_groups", &C::batch_groups, "groups per update, after dynamic sampling",
               at_least<int>(1, "must be >= 1"))
          .add("grpo", &C::grpo, "the loss: advantages, clipping, aggregation, KL (grpo.h)")
          .add("iterations", &C::iterations, "passes over each batch in one step (mu)",
               must<int>([](int v) { return v >= 1 && v <= kMaxIterations; },
                         cat("must be in [1, ", kMaxIterations,
                             "] (passes over each batch in one step)")))
          .add("minibatches", &C::minibatches, "optimizer steps per pass",
               at_least<int>(1, "must be >= 1"))
          .add("share_prompts", &C::share_prompts,
               "pack a group's prompt once with its completions after it (same result, the "
               "prompt's forward and backward run once per group)")
          .add("dynamic_sampling", &C::dynamic_sampling,
               "drop groups whose rewards are all equal, and sample more")
          .add("keep_penalised_groups", &C::keep_penalised_groups,
               "with dynamic sampling, a group whose rewards are all equal still trains when a "
               "span_penalty marks some of its tokens (its advantages are 0: only the penalties, "
               "and a KL term if any, give it a gradient; it takes a batch place like any group)")
          .add("guide_groups", &C::guide_groups,
               "with tasks.mix[i].guide: the groups that train on their guide, all (every one) or "
               "failed (only those with no right sample; elsewhere the guide is left out)",
               one_of({"all", "failed"}))
          .add("max_waves", &C::max_waves,
               "a step's sampling gives up after this many waves of tasks (async: once it has "
               "accounted for max_waves x batch_groups groups)",
               at_least<int>(1, "must be >= 1"))
          .add("oversample_max", &C::oversample_max,
               "on-policy, dynamic sampling: a step's first wave asks for up to this many times "
               "the groups it needs, as recent steps' usable share suggests (1: exactly those)",
               must<double>([](double v) { return v >= 1 && v <= 16; }, "must be in [1, 16]"))
          .add("max_staleness", &C::max_staleness,
               "0: on-policy; k > 0: rollouts up to k versions old train, sampling overlaps "
               "training",
               at_least<int>(0, "must be >= 0"))
          .add("prefetch_groups", &C::prefetch_groups,
               "async: tasks kept in flight (0: 2 x batch_groups)",
               at_least<int>(0, "must be >= 0"))
          .add("task_timeout_s", &C::task_timeout_s,
               "a task not back by then is written off (its worker died)",
               must<double>([](double v) { return v > 0; }, "must be > 0"))
          .add("bias_gamma", &C::bias_gamma, "aux-loss-free expert balancing speed; 0 disables",
               must<double>([](double v) { return v >= 0 && v <= 1; }, "must be in [0, 1]"))
          .add("device", &C::device,
               "where the policy trains: cpu, cuda, cuda:N (\"\": model.device)", nullptr,
               unless_empty())
          .add("optimizer", &C::optimizer, "AdamW (optimizer.h)")
          .add("schedule", &C::schedule, "the learning-rate schedule (schedule.h)")
          .add("checkpoint_every", &C::checkpoint_every,
               "steps between checkpoints; a final one is always written",
               at_least<int>(1, "must be >= 1"))
          .add("keep_checkpoints", &C::keep_checkpoints, "checkpoints kept (0 keeps all)",
               at_least<int>(0, "must be >= 0 (0 keeps all)"))
          .add("samples_every", &C::samples_every, "steps between samples.jsonl entries",
               at_least<int>(0, "must be >= 0"))
          .add("samples_per_step", &C::samples_per_step, "samples written each time",
               at_least<int>(0, "must be >= 0"))
          .add("threads", &C::threads, "OpenMP threads for training; 0: all cores",
               must<int>([](int v) { return v >= 0 && v <= kMaxThreads; },
                         cat("must be in [0, ", kMaxThreads, "] (0: all cores)")))
          .add("max_seconds", &C::max_seconds,
               "> 0: end the run (final checkpoint and model) after this wall time",
               must<double>([](double v) { return v >= 0; }, "must be >= 0 (0: no limit)"));
  return f;
}

}  // namespace r1
