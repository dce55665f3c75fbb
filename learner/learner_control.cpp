#include "learner/learner_control.h"

#include <algorithm>
#include <set>

#include "core/clock.h"
#include "core/log.h"
#include "core/rl_messages.h"
#include "core/stop.h"

namespace r1 {

namespace {

// Every leaf of a settings object, by its dotted path ("rollout.stop": arrays are leaves).
void leaves(const json& v, const std::string& path, std::map<std::string, json>* out) {
  if (v.is_object() && !v.empty()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      leaves(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
  } else {
    (*out)[path] = v;
  }
}

}  // namespace

std::string LearnerControl::settings_difference(const json& worker, const json& learner,
                                                size_t max_listed) {
  std::map<std::string, json> w, l;
  leaves(worker, "", &w);
  leaves(learner, "", &l);
  std::set<std::string> keys;
  for (const auto& [k, _] : w) keys.insert(k);
  for (const auto& [k, _] : l) keys.insert(k);
  std::string out;
  size_t listed = 0, differ = 0;
  for (const std::string& k : keys) {
    const json a = w.count(k) ? w[k] : json(), b = l.count(k) ? l[k] : json();
    if (a == b) continue;
    ++differ;
    if (listed == max_listed) continue;
    ++listed;
    out += cat(out.empty() ? "" : ", ", k, " (", w.count(k) ? json_snippet(a, 60) : "absent",
               "; the learner's ", l.count(k) ? json_snippet(b, 60) : "absent", ")");
  }
  if (differ > listed) out += cat(", and ", differ - listed, " more");
  return out;
}

LearnerControl::LearnerControl(Context& ctx, const Endpoints& ep,
                               std::map<std::string, json> expected)
    : heartbeat_every_s_(ep.heartbeat_timeout_s / 6), expected_(std::move(expected)) {
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
  double next_beat = steady_seconds();
  while (!stopping_) {
    if (auto m = channel_->recv(100)) {
      try {
        ControlMessage c = ControlMessage::from_message(*m);
        if (c.kind != ControlKind::hello) {
          throw MessageError(
              cat("control message: '", control_kind_name(c.kind), "' from a worker"));
        }
        auto want = expected_.find(c.role);
        if (want != expected_.end() && c.settings.is_object() && c.settings != want->second) {
          // Trained on, its samples would be another run's: other sampling settings give
          // log-probs the learner's ratios do not match, another model never fits the weights.
          const std::string why = settings_difference(c.settings, want->second);
          log_warn("learner: refused ", c.role, " ", c.id,
                   ": its config differs from the run's in ", why);
          ++refused_;
          peers.erase(m->peer);
          send_to(m->peer,
                  ControlMessage::refuse(cat("its config differs from the run's in ", why)), 0);
          continue;
        }
        if (peers.insert(m->peer).second) log_info("learner: ", c.role, " ", c.id, " joined");
        // Answered at once, so that the worker's first-contact grace ends now, not at the next
        // beat (heartbeat_timeout_s / 6 away), and it knows it is registered (a rollout worker
        // takes tasks only then). Answered with heartbeats off too: a worker whose own config
        // has them on waits for the answer.
        send_to(m->peer, ControlMessage::heartbeat(), 0);
        if (c.role == "rollout") republish_ = true;
      } catch (const MessageError& e) {
        channel_->reject(e.what());
      }
    }
    if (heartbeat_every_s_ > 0 && steady_seconds() >= next_beat) {
      send_to_each(peers, ControlMessage::heartbeat(), 0);  // the gone say hello again
      next_beat = steady_seconds() + heartbeat_every_s_;
    }
  }
  tell_workers_the_run_is_over(peers);
}

bool LearnerControl::send_to(const std::string& peer, const ControlMessage& c, int timeout_ms) {
  Message m = c.to_message();
  m.peer = peer;
  return channel_->send(m, timeout_ms);
}

void LearnerControl::send_to_each(std::set<std::string>& peers, const ControlMessage& c,
                                  int timeout_ms) {
  // A ROUTER cannot send to a peer it no longer knows (gone): it is forgotten.
  for (auto it = peers.begin(); it != peers.end();) {
    it = send_to(*it, c, timeout_ms) ? std::next(it) : peers.erase(it);
  }
}

void LearnerControl::tell_workers_the_run_is_over(const std::set<std::string>& peers) {
  // Each worker that said hello answers "stop" with "bye". Until it does, "stop" is sent again:
  // one sent just before the socket closed could be lost in spite of ZMQ_LINGER (seen with
  // libzmq 4.3.4 over tcp), and its worker would then wait out the heartbeat timeout and exit
  // with an error. A peer that has gone (the send fails) or stays silent for kByeWaitS is given up.
  if (peers.empty()) return;
  std::set<std::string> waiting = peers;
  // After a stop request (Ctrl-C, SIGTERM) the workers of this process stop by themselves and
  // the whole process must end within the stop grace: wait as briefly as before byes existed.
  const double deadline = steady_seconds() + (stop_requested() ? kByeWaitOnStopS : kByeWaitS);
  double next_stop = 0;
  while (!waiting.empty() && steady_seconds() < deadline) {
    if (steady_seconds() >= next_stop) {
      send_to_each(waiting, ControlMessage::stop(), 100);
      next_stop = steady_seconds() + 0.5;
    }
    auto m = channel_->recv(50);
    if (!m) continue;
    try {
      if (ControlMessage::from_message(*m).kind == ControlKind::bye) waiting.erase(m->peer);
    } catch (const MessageError& e) {
      channel_->reject(e.what());
    }
  }
  log_info("learner: ", peers.size() - waiting.size(), " of ", peers.size(),
           " workers acknowledged that the run is over");
}

}  // namespace r1
