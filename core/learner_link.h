// A worker's end of the control channel (a DEALER to the learner's ROUTER, core/endpoints.h):
// it says hello, hears "stop", and watches the learner's heartbeat, so that a rollout worker or
// reward service whose learner died exits instead of waiting forever. Messages that are not
// valid control messages are dropped and counted on the channel.
#pragma once
#include <optional>
#include <string>

#include "core/channel.h"
#include "core/endpoints.h"

namespace r1 {

class LearnerLink {
 public:
  // role: "rollout" or "reward"; id: the worker's name (its routing id on the channel).
  LearnerLink(Context& ctx, const Endpoints& endpoints, std::string role, std::string id);

  // Says hello (a rollout worker gives the weights version it holds). Returns false when the
  // hello could not be queued within timeout_ms.
  bool hello(std::optional<uint64_t> version = std::nullopt, int timeout_ms = 0);
  // Reads what the learner sent without waiting. Returns true once the learner said "stop".
  // Throws Error naming the channel when the learner has been silent for heartbeat_timeout_s
  // (before its first word: for at least kFirstContactS, as it may still be starting). Says
  // hello again when the learner has been quiet a while, so that a restarted learner learns of
  // this worker and heartbeats it.
  bool poll();
  // Any other message from the learner (weights, a task) shows it is alive too. The first
  // contact is logged ("<role> <id>: in touch with the learner").
  void heard();
  const Channel& channel() const { return channel_; }

  static constexpr double kFirstContactS = 60;

 private:
  Channel channel_;
  std::string role_, id_, who_;
  double timeout_s_;
  double started_, last_heard_ = -1, last_hello_ = -1;
  std::optional<uint64_t> version_;
  bool stopped_ = false;
};

}  // namespace r1
