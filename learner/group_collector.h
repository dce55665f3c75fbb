// The learner's task scheduler: hands tasks to the rollout workers in waves, receives their
// scored groups, writes off tasks that never come back (task_timeout_s), checks each group
// against what was sent (core/rollout_checks.h), records the results in the curriculum, and
// keeps the groups that can train (learner/scored_group.h) until a step's batch is full:
//   on-policy (max_staleness 0): waves for the current weights version, up to max_waves;
//   async: tasks kept in flight, groups up to max_staleness versions old taken as they come.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/channel.h"
#include "core/endpoints.h"
#include "core/rollout_checks.h"
#include "learner/learner_config.h"
#include "learner/scored_group.h"
#include "learner/short_batch.h"
#include "model/chat_template.h"
#include "model/tokenizer.h"
#include "tasks/task_source.h"

namespace r1 {

// Counters of one step, reset by the step.
struct StepCounters {
  int64_t returned = 0, zero_variance = 0, too_few = 0, stale = 0, lost = 0, verifier_errors = 0,
          scored_by_control = 0, waves = 0, unused = 0;
  double gen_seconds = 0, verify_seconds = 0;
  // Every scored sample that came back, before dynamic sampling drops groups: the unbiased
  // picture of the policy (the "reward"/"accuracy" of a step cover only the groups it trained on).
  int64_t all_samples = 0;
  double all_reward = 0, all_correct = 0;
  // Tokens of every sample that came back, dropped groups and verifier errors included: the
  // work that gen_seconds paid for (the step's "samples" x "response_length" covers only the
  // groups it trained on).
  int64_t all_tokens = 0;
  int64_t guides = 0;  // guide samples (tasks.mix[i].guide) that came back; in none of the above
  // Guided tasks that came back without theirs (too long, empty, or not a tokenizer round trip).
  int64_t guides_left_out = 0;
  // Guides left out of groups a sample of the policy's solved (learner.guide_groups "failed").
  int64_t guides_not_needed = 0;
  // Tasks of the stream not sent: their prompts left less than max_new_tokens of the context.
  int64_t too_long = 0;
  bool gave_up = false;  // sampling ended with fewer usable groups than batch_groups
};

class SelfPlayCoordinator;

struct CollectorSetup {
  const LearnerConfig& cfg;
  TaskSource& source;
  const Tokenizer& tokenizer;  // renders the prompts that scored groups must echo
  const ChatTemplate& chat;
  int group_size = 8;
  uint64_t session = 0;  // the learner process's id on the wire
  RolloutLimits limits;  // what a scored group of this run can hold
  // Called while waiting: the learner answers hellos (publishes its weights again).
  std::function<void()> serve_control;
  // Self-play runs: follow-up tasks go out first, proposer groups wait for their solve rates,
  // and self-play advantages are set per (role, kind) (learner/selfplay_coordinator.h).
  SelfPlayCoordinator* selfplay = nullptr;
  // The longest prompt a task may have, in tokens: a rollout worker's context less
  // max_new_tokens, so that every sample has its whole budget (one cut by the context instead
  // would be judged short of it, and escape an overlong penalty). 0: no limit.
  int max_prompt_tokens = 0;
};

class GroupCollector {
 public:
  explicit GroupCollector(CollectorSetup setup);

  // Binds the tasks (PUSH) and scored (PULL) channels.
  void bind(Context& ctx, const Endpoints& ep);

  // Gathers one step's batch for weights `version` (fewer groups when sampling gave up; empty
  // when stopped). The counters start from zero.
  std::vector<UsableGroup> collect(uint64_t version, int64_t step, const std::atomic<bool>& stop);
  const StepCounters& counters() const { return counters_; }
  SamplingTally tally(size_t used) const;
  uint64_t rejected() const { return scored_ ? scored_->rejected() : 0; }

  // The task stream's position, saved in checkpoints.
  uint64_t next_seq = 0;
  uint64_t next_wave = 0;
  // The share of returned groups that could train, over recent on-policy steps: sizes the
  // first wave (learner.oversample_max). Saved in checkpoints, so that a resumed run asks for
  // the waves an uninterrupted one would.
  double usable_share = 1.0;

 private:
  struct Pending {
    Task task;
    double sent_at = 0;
    SentTask sent;  // what a scored group for it must answer (core/rollout_checks.h)
  };
  void send_tasks(int n, uint64_t min_version, const std::atomic<bool>& stop);
  bool next_task(Task& t, std::vector<int32_t>& prompt);
  void skip_too_long(const Task& t, size_t prompt_tokens);
  bool hand_out(const TaskAssignment& a, const std::atomic<bool>& stop);
  void expire_lost();
  std::optional<RolloutGroup> receive(uint64_t version, int timeout_ms);
  std::optional<UsableGroup> usable(RolloutGroup g, uint64_t version);
  // The groups a returned one makes ready (self-play may hold it, or release others with it).
  std::vector<RolloutGroup> route(RolloutGroup g, int64_t step);
  std::vector<UsableGroup> collect_on_policy(uint64_t version, int64_t step,
                                             const std::atomic<bool>& stop);
  std::vector<UsableGroup> collect_async(uint64_t version, int64_t step,
                                         const std::atomic<bool>& stop);

  CollectorSetup s_;
  std::unique_ptr<Channel> tasks_, scored_;
  std::map<uint64_t, Pending> pending_;  // seq -> task in flight
  std::vector<RolloutGroup> released_;   // self-play groups a written-off follow-up completed
  StepCounters counters_;
  bool said_too_long_ = false;
};

}  // namespace r1
