// The reward service: receives rollout groups, scores every completion with the configured
// RewardFunction on a pool of threads (code runs in the sandbox), and sends scored groups to the
// learner. Verification of one group overlaps generation of the next, because the service runs
// beside the workers. A verifier failure is recorded on the sample (verifier_error, empty
// reward); it never stops the service. A rollout that is not one this run's workers can produce
// (core/rollout_checks.h) is dropped and counted before it is scored. The service exits with
// an Error when the learner's heartbeat stops (core/learner_link.h).
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "core/channel.h"
#include "core/endpoints.h"
#include "core/rollout_checks.h"
#include "reward/reward_function.h"

namespace r1 {

struct RewardServiceStats {
  std::atomic<uint64_t> groups{0}, samples{0}, verifier_errors{0}, bad_messages{0};
};

// The scored message of `g`, whose header (CBOR) is at most `max_header_bytes`: while it is
// larger, the sample with the most learner_data (Verdict details, kLearnerData) loses it and
// becomes a verifier error, "scored_message_too_large", so that a group of large verdicts is sent
// less their data rather than stop the reward role at the channel's cap. Throws, as the send would,
// when the header is still too large with no learner_data left; a group that never had any is
// not measured here (the send measures it).
Message fit_scored_message(RolloutGroup& g, size_t max_header_bytes);

class RewardService {
 public:
  // completion_prefix is put back in front of each completion (the part of the assistant turn
  // the prompt already held, e.g. "<think>") so verifiers see the whole answer.
  // `limits`: what a rollout of this run can hold (no reward range: rollouts are unscored).
  RewardService(Context& ctx, const Endpoints& endpoints,
                std::shared_ptr<const RewardFunction> reward, std::string completion_prefix,
                int threads, std::string id, RolloutLimits limits);
  void run(const std::atomic<bool>& stop);
  const RewardServiceStats& stats() const { return stats_; }
  // What its hellos carry for the learner to check (run/role_settings.h); before run().
  void set_settings(json settings) { settings_ = std::move(settings); }

 private:
  Context& ctx_;
  Endpoints ep_;
  std::shared_ptr<const RewardFunction> reward_;
  std::string prefix_;
  int threads_;
  std::string id_;
  RolloutLimits limits_;
  RewardServiceStats stats_;
  json settings_;
};

}  // namespace r1
