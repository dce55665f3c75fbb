// The learner role: draws tasks from the task source and hands them to rollout workers, gathers
// scored groups, computes group-relative advantages, runs the GRPO update (with an optional KL
// to a frozen reference), updates the experts' balancing bias, and publishes the new weights as
// version + 1. It owns the run folder: metrics, samples, checkpoints, and the final model.
#pragma once
#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "core/channel.h"
#include "core/endpoints.h"
#include "learner/learner_config.h"
#include "model/chat_template.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "tasks/task_source.h"

namespace r1 {

struct LearnerSetup {
  std::string run_dir;
  uint64_t seed = 0;
  LearnerConfig config;
  TaskSourceConfig tasks;
  ChatTemplate chat;
  int group_size = 8;
  int max_new_tokens = 128;
  double temperature = 1.0;        // sampling temperature: log-prob ratios are taken at it
  // The rewards the run's reward config can produce (reward_range()); scored groups with a
  // reward outside are dropped as forged or broken.
  double reward_min = -std::numeric_limits<double>::infinity();
  double reward_max = std::numeric_limits<double>::infinity();
  std::unique_ptr<Model<float>> model;      // the policy (initial or resumed weights loaded by the caller)
  std::unique_ptr<Model<float>> reference;  // frozen copy when kl_beta != 0
  std::unique_ptr<Tokenizer> tokenizer;
  bool resume = false;
};

struct StepReport {
  int64_t step = 0;
  json metrics;
};

class Learner {
 public:
  Learner(Context& ctx, const Endpoints& endpoints, LearnerSetup setup);
  ~Learner();
  // Runs until config.steps updates are done or `stop` is set. `on_step` (optional) sees every
  // step's metrics. Returns the number of the last completed step.
  int64_t run(const std::atomic<bool>& stop, const std::function<void(const StepReport&)>& on_step = nullptr);
  // True when the last run() ended normally (all steps, or the time budget), not by `stop`.
  bool finished() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace r1
