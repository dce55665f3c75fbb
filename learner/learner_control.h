// The learner's end of the control channel (a ROUTER, core/endpoints.h), on a thread of its own
// so that it keeps answering while the learner trains (a step can take minutes): it registers
// workers that say hello, sends each a heartbeat every heartbeat_timeout_s / 6 (core/learner_link.h
// is the other end), and at the end tells them to stop, until each answers "bye". Messages that are
// not valid control messages are dropped and counted. A worker whose hello carries settings other
// than the run's (run/role_settings.h) is refused, naming the fields, and not registered.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "core/channel.h"
#include "core/endpoints.h"
#include "core/rl_messages.h"

namespace r1 {

class LearnerControl {
 public:
  // Binds the control endpoint (throws Error naming it when it cannot) and starts the thread.
  // `expected`: per role ("rollout", "reward"), the settings a worker's hello must carry when it
  // carries any; a role not listed is not checked.
  LearnerControl(Context& ctx, const Endpoints& endpoints,
                 std::map<std::string, json> expected = {});
  ~LearnerControl();
  LearnerControl(const LearnerControl&) = delete;
  LearnerControl& operator=(const LearnerControl&) = delete;

  // True, once, after a rollout worker said hello: the learner then publishes its weights again.
  bool take_republish() { return republish_.exchange(false); }
  // Tells every worker that said hello that the run is over, and stops the thread: it waits up
  // to kByeWaitS for their answers (kByeWaitOnStopS after a stop request).
  void stop_workers();
  static constexpr double kByeWaitS = 3.0, kByeWaitOnStopS = 0.5;
  uint64_t rejected() const { return channel_->rejected(); }
  // The address bound (a tcp port given as * resolved).
  const std::string& endpoint() const { return channel_->endpoint(); }
  // Hellos refused for settings other than the run's.
  uint64_t refused() const { return refused_; }

  // The leaves in which a worker's settings differ from the learner's, for a person:
  // "rollout.temperature (0.5; the learner's 1.0)", at most max_listed of them.
  static std::string settings_difference(const json& worker, const json& learner,
                                         size_t max_listed = 6);

 private:
  void serve();
  bool send_to(const std::string& peer, const ControlMessage& c, int timeout_ms);
  // Sends `c` to every peer in `peers`, removing those that are gone.
  void send_to_each(std::set<std::string>& peers, const ControlMessage& c, int timeout_ms);
  void tell_workers_the_run_is_over(const std::set<std::string>& peers);

  std::unique_ptr<Channel> channel_;
  double heartbeat_every_s_;
  std::map<std::string, json> expected_;
  std::atomic<bool> republish_{false}, stopping_{false};
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace r1
