// What a learner step reports: the metrics line of metrics.jsonl (docs/rl.md lists every
// field) and the sampled completions of samples.jsonl.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "learner/group_collector.h"
#include "learner/grpo_update.h"
#include "learner/scored_group.h"
#include "model/chat_template.h"

namespace r1 {

// Everything a step's metrics are computed from.
struct StepFacts {
  const std::vector<UsableGroup>& batch;  // the groups it trained on (empty: skipped)
  const GrpoUpdateStats& update;
  const StepCounters& counters;  // what sampling saw (learner/group_collector.h)
  uint64_t version = 0;          // the weights version after the step
  int64_t skipped_steps = 0;
  double collect_s = 0, train_s = 0, step_s = 0, publish_s = 0;
  bool weights_shared = false;       // the rollout workers read the learner's weights in place
  json curriculum = json::object();  // family -> difficulty level, for curriculum families
  uint64_t held_out_tasks = 0;       // tasks the stream skipped as held-out problems, so far
  json task_sources =
      json::object();  // external task sources' counts by name (tasks/external_tasks.h)
  uint64_t rejected_scored = 0, rejected_control = 0;
  // Self-play figures (learner/selfplay_coordinator.h), null without self-play.
  json selfplay = nullptr;
};

json step_metrics(const StepFacts& f);

// Appends up to max_samples of the batch's kept samples to the samples.jsonl at `path`.
void append_samples(const std::string& path, int64_t step, const std::vector<UsableGroup>& batch,
                    const ChatTemplate& chat, int max_samples);

}  // namespace r1
