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
  // role: "rollout" or "reward"; id: the worker's name (its routing id on the channel);
  // settings: what every hello carries for the learner to check (run/role_settings.h), or null.
  LearnerLink(Context& ctx, const Endpoints& endpoints, std::string role, std::string id,
              json settings = nullptr);

  // Says hello (a rollout worker gives the weights version it holds). Returns false when the
  // hello could not be queued within timeout_ms.
  bool hello(std::optional<uint64_t> version = std::nullopt, int timeout_ms = 0);
  // Reads what the learner sent without waiting. Returns true once the learner said "stop".
  // Throws Error with the learner's reason when it refused this worker (its settings).
  // Throws Error naming the channel when the learner has been silent for heartbeat_timeout_s
  // (before its first word: for at least kFirstContactS, as it may still be starting). Says
  // hello again every kHelloRetryS until the learner answers one on the control channel (the
  // first goes out before the connection is up and is often lost; a worker the learner never
  // registered gets no "stop" and would end with an error), and again when the control channel
  // has been quiet a while, so that a restarted learner learns of this worker. Weights and tasks
  // keep the learner alive but do not answer a hello. Throws when they keep coming for
  // kUnansweredS while no hello is answered: the learner's control socket refuses this worker's
  // id because another worker of that id is connected (or its control address is not the
  // learner's).
  bool poll();
  // Any other message from the learner (weights, a task) shows it is alive too. The first
  // contact is logged ("<role> <id>: in touch with the learner").
  void heard();
  const Channel& channel() const { return channel_; }
  // True until the learner answers a hello on the control channel; false from the start with
  // this worker's heartbeats off (it then watches nothing on the control channel).
  bool awaiting_answer() const { return timeout_s_ > 0 && last_control_ < 0; }

  static constexpr double kFirstContactS = 60;
  static constexpr double kHelloRetryS = 0.25;
  static constexpr double kUnansweredS = 15;

 private:
  Channel channel_;
  std::string role_, id_, who_;
  double timeout_s_;
  double started_, last_heard_ = -1, last_hello_ = -1;
  double last_control_ = -1;  // the last message on the control channel (an answer to hello)
  std::optional<uint64_t> version_;
  json settings_;
  bool stopped_ = false;
};

}  // namespace r1
