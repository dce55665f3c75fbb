// The learner role, a thin loop over its parts: each step the collector
// (learner/group_collector.h) hands tasks to rollout workers and gathers the scored groups that
// can train, with their group-relative advantages; the GRPO update (learner/grpo_update.h, with
// an optional KL to a frozen reference) changes the weights; the step report
// (learner/step_report.h) is logged; and the new weights are published as version + 1. It owns
// the run folder: metrics, samples, checkpoints, and the final model.
#pragma once
#include <atomic>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "core/channel.h"
#include "core/endpoints.h"
#include "core/metrics.h"
#include "core/rng.h"
#include "learner/group_collector.h"
#include "learner/learner_config.h"
#include "learner/learner_control.h"
#include "learner/optimizer.h"
#include "learner/selfplay_coordinator.h"
#include "model/chat_template.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "model/weights_share.h"
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
  // The positions a rollout worker's KV cache holds (rollout/rollout_worker.h: the model's, at
  // most kMaxRolloutContext); 0: the model's max_position_embeddings. A task whose prompt leaves
  // less than max_new_tokens of them is not sent (metrics: tasks_too_long).
  int rollout_context = 0;
  double temperature = 1.0;  // sampling temperature: log-prob ratios are taken at it
  // The rewards the run's reward config can produce (reward_range()); scored groups with a
  // reward outside are dropped as forged or broken.
  double reward_min = -std::numeric_limits<double>::infinity();
  double reward_max = std::numeric_limits<double>::infinity();
  // The most penalty a byte of a scored sample may carry: the sum of the reward components'
  // span_penalty.
  double max_span_penalty = std::numeric_limits<double>::infinity();
  std::unique_ptr<Model<float>>
      model;  // the policy (initial or resumed weights loaded by the caller)
  std::unique_ptr<Model<float>> reference;  // frozen copy when kl_beta != 0
  // Embedded runs whose rollout workers read `model` in place (Model::sharing_weights_of): each
  // update takes the write turn, and publishing sets the share's version instead of sending the
  // weights. Null: weights are published on the weights channel, as a copy.
  std::shared_ptr<WeightsShare> share;
  // Per role, the settings a worker's hello must carry (run/role_settings.h); none: unchecked.
  std::map<std::string, json> worker_settings;
  std::unique_ptr<Tokenizer> tokenizer;
  bool resume = false;
  // Self-play runs: the proposal verifier's options (reward.task_verifier_options.proposal),
  // so the seed programs are validated with the same sandbox and limits as proposals.
  json selfplay_verifier_options = json::object();
};

struct StepReport {
  int64_t step = 0;
  json metrics;
};

class Learner {
 public:
  Learner(Context& ctx, const Endpoints& endpoints, LearnerSetup setup);
  // Its parts hold references into it (the config, the task source, serve_control): it stays
  // where it was built.
  Learner(const Learner&) = delete;
  Learner& operator=(const Learner&) = delete;
  // Runs until config.steps updates are done or `stop` is set. `on_step` (optional) sees every
  // step's metrics. Returns the number of the last completed step.
  int64_t run(const std::atomic<bool>& stop,
              const std::function<void(const StepReport&)>& on_step = nullptr);
  // True when the last run() ended normally (all steps, or the time budget), not by `stop`.
  bool finished() const;

 private:
  void publish();        // the current weights, as version_, on the weights channel
  void serve_control();  // answers hellos (late or restarted workers) by publishing again
  json state() const;    // the trainer state a checkpoint holds
  void load_state(const json& st, const std::string& where);
  void save_checkpoint_of(const json& state) const;

  Context& ctx_;
  Endpoints ep_;
  LearnerSetup s_;
  const LearnerConfig& cfg_;
  Rng rng_;
  const uint64_t session_;  // this learner process's id on the wire (WeightsPayload::session)
  std::unique_ptr<AdamW> opt_;
  std::unique_ptr<TaskSource> source_;
  std::unique_ptr<SelfPlayCoordinator> selfplay_;  // when the mix has a self_play entry
  std::unique_ptr<GroupCollector> collector_;
  std::unique_ptr<MetricsSink> metrics_;
  std::unique_ptr<Channel> weights_;
  std::unique_ptr<LearnerControl> control_;
  int64_t step_ = 0;
  uint64_t version_ = 0;
  double publish_seconds_ = 0;
  int64_t skipped_steps_ = 0;  // steps that gave up sampling with no usable group (no update)
  bool finished_ = false;      // all steps done or the time budget spent
};

}  // namespace r1
