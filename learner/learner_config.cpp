#include "learner/learner_config.h"

#include "core/thread_pool.h"

namespace r1 {

LearnerConfig LearnerConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  LearnerConfig c;
  c.steps = r.get<int>("steps", c.steps);
  c.batch_groups = r.get<int>("batch_groups", c.batch_groups);
  c.grpo = GrpoConfig::from_json(r.has("grpo") ? r.raw("grpo") : json::object(), where + ": field 'grpo'");
  c.iterations = r.get<int>("iterations", c.iterations);
  c.minibatches = r.get<int>("minibatches", c.minibatches);
  c.dynamic_sampling = r.get<bool>("dynamic_sampling", c.dynamic_sampling);
  c.max_waves = r.get<int>("max_waves", c.max_waves);
  c.max_staleness = r.get<int>("max_staleness", c.max_staleness);
  c.prefetch_groups = r.get<int>("prefetch_groups", c.prefetch_groups);
  c.task_timeout_s = r.get<double>("task_timeout_s", c.task_timeout_s);
  c.bias_gamma = r.get<double>("bias_gamma", c.bias_gamma);
  c.device = r.get<std::string>("device", c.device);
  c.optimizer = OptimizerConfig::from_json(r.has("optimizer") ? r.raw("optimizer") : json::object(),
                                           where + ": field 'optimizer'");
  c.schedule = LrSchedule::from_json(r.has("schedule") ? r.raw("schedule") : json::object(),
                                     where + ": field 'schedule'");
  c.checkpoint_every = r.get<int>("checkpoint_every", c.checkpoint_every);
  c.keep_checkpoints = r.get<int>("keep_checkpoints", c.keep_checkpoints);
  c.samples_every = r.get<int>("samples_every", c.samples_every);
  c.samples_per_step = r.get<int>("samples_per_step", c.samples_per_step);
  c.threads = r.get<int>("threads", c.threads);
  c.max_seconds = r.get<double>("max_seconds", c.max_seconds);
  r.done();
  r.check(c.max_seconds >= 0, "max_seconds", "must be >= 0 (0: no limit)");
  r.check(c.steps >= 1, "steps", "must be >= 1");
  r.check(c.batch_groups >= 1, "batch_groups", "must be >= 1");
  r.check(c.iterations >= 1 && c.iterations <= kMaxIterations, "iterations",
          cat("must be in [1, ", kMaxIterations, "] (passes over each batch in one step)"));
  r.check(c.minibatches >= 1, "minibatches", "must be >= 1");
  r.check(c.max_waves >= 1, "max_waves", "must be >= 1");
  r.check(c.max_staleness >= 0, "max_staleness", "must be >= 0");
  r.check(c.prefetch_groups >= 0, "prefetch_groups", "must be >= 0");
  r.check(c.task_timeout_s > 0, "task_timeout_s", "must be > 0");
  r.check(c.bias_gamma >= 0, "bias_gamma", "must be >= 0");
  r.check(c.checkpoint_every >= 1, "checkpoint_every", "must be >= 1");
  r.check(c.keep_checkpoints >= 0, "keep_checkpoints", "must be >= 0 (0 keeps all)");
  r.check(c.samples_every >= 0, "samples_every", "must be >= 0");
  r.check(c.samples_per_step >= 0, "samples_per_step", "must be >= 0");
  r.check(c.threads >= 0 && c.threads <= kMaxThreads, "threads", cat("must be in [0, ", kMaxThreads, "] (0: all cores)"));
  return c;
}

json LearnerConfig::to_json() const {
  json j = {{"steps", steps},
          {"batch_groups", batch_groups},
          {"grpo", grpo.to_json()},
          {"iterations", iterations},
          {"minibatches", minibatches},
          {"dynamic_sampling", dynamic_sampling},
          {"max_waves", max_waves},
          {"max_staleness", max_staleness},
          {"prefetch_groups", prefetch_groups},
          {"task_timeout_s", task_timeout_s},
          {"bias_gamma", bias_gamma},
          {"optimizer", optimizer.to_json()},
          {"schedule", schedule.to_json()},
          {"checkpoint_every", checkpoint_every},
          {"keep_checkpoints", keep_checkpoints},
          {"samples_every", samples_every},
          {"samples_per_step", samples_per_step},
          {"threads", threads},
          {"max_seconds", max_seconds}};
  if (!device.empty()) j["device"] = device;
  return j;
}

}  // namespace r1
