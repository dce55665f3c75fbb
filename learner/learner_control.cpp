#include "learner/learner_control.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/clock.h"
#include "core/log.h"
#include "core/rl_messages.h"

namespace r1 {

LearnerControl::LearnerControl(Context& ctx, const Endpoints& ep)
    : heartbeat_every_s_(ep.heartbeat_timeout_s / 6) {
  ChannelOptions o = ep.channel_options("control");
  o.linger_ms = 2000;  // deliver the final "stop" before the process exits
  channel_ = std::make_unique<Channel>(ctx, SocketKind::Router, "control", ep.control, true, o);
  // The socket moves to the thread here (thread creation orders the two threads' accesses).
  thread_ = std::thread([this] { serve(); });
}

LearnerControl::~LearnerControl() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void LearnerControl::stop_workers() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void LearnerControl::serve() {
  std::set<std::string> peers;  // routing ids of workers that said hello
  auto send = [&](const std::string& peer, const ControlMessage& c, int timeout_ms) {
    Message m = c.to_message();
    m.peer = peer;
    return channel_->send(m, timeout_ms);
  };
  double next_beat = steady_seconds();
  while (!stopping_) {
    if (auto m = channel_->recv(100)) {
      try {
        ControlMessage c = ControlMessage::from_message(*m);
        if (c.kind != ControlKind::hello) {
          throw MessageError(
              cat("control message: '", control_kind_name(c.kind), "' from a worker"));
        }
        if (peers.insert(m->peer).second) log_info("learner: ", c.role, " ", c.id, " joined");
        if (c.role == "rollout") republish_ = true;
      } catch (const MessageError& e) {
        channel_->reject(e.what());
      }
    }
    if (heartbeat_every_s_ > 0 && steady_seconds() >= next_beat) {
      // A ROUTER drops messages to peers it no longer knows (gone); they say hello again.
      for (auto it = peers.begin(); it != peers.end();) {
        it = send(*it, ControlMessage::heartbeat(), 0) ? std::next(it) : peers.erase(it);
      }
      next_beat = steady_seconds() + heartbeat_every_s_;
    }
  }
  // Tell workers that said hello that the run is over.
  int told = 0;
  for (const auto& peer : peers) told += send(peer, ControlMessage::stop(), 1000);
  if (!peers.empty()) {
    log_info("learner: told ", told, " of ", peers.size(), " workers that the run is over");
    // Closing the socket right away lost these messages in spite of ZMQ_LINGER (seen with
    // libzmq 4.3.4 over tcp); give the I/O thread a moment to write them out.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace r1
