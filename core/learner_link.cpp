#include "core/learner_link.h"

#include <algorithm>
#include <chrono>

#include "core/clock.h"
#include "core/log.h"
#include "core/rl_messages.h"

namespace r1 {

namespace {

ChannelOptions link_options(const Endpoints& ep, const std::string& id) {
  ChannelOptions o = ep.channel_options("control");
  o.identity = id;
  o.linger_ms = 500;  // the "bye" answering "stop" is sent just before the worker exits
  return o;
}
}  // namespace

LearnerLink::LearnerLink(Context& ctx, const Endpoints& ep, std::string role, std::string id,
                         json settings)
    : channel_(ctx, SocketKind::Dealer, "control", Endpoints::connect_address(ep.control), false,
               link_options(ep, id)),
      role_(std::move(role)),
      id_(std::move(id)),
      who_(cat(role_, " ", id_)),
      timeout_s_(ep.heartbeat_timeout_s),
      started_(steady_seconds()),
      settings_(std::move(settings)) {}

bool LearnerLink::hello(std::optional<uint64_t> version, int timeout_ms) {
  version_ = version;
  last_hello_ = steady_seconds();
  return channel_.send(ControlMessage::hello(role_, id_, version, settings_).to_message(),
                       timeout_ms);
}

void LearnerLink::heard() {
  // Logged once: from here on a silent learner is given heartbeat_timeout_s, not the
  // first-contact grace, so the line also tells when that shorter watch began.
  if (last_heard_ < 0) log_info(who_, ": in touch with the learner (", channel_.endpoint(), ")");
  last_heard_ = steady_seconds();
}

bool LearnerLink::poll() {
  while (auto m = channel_.recv(0)) {
    ControlMessage c;
    try {
      c = ControlMessage::from_message(*m);
    } catch (const MessageError& e) {
      channel_.reject(e.what());
      continue;
    }
    heard();
    last_control_ = steady_seconds();
    if (c.kind == ControlKind::refuse) {
      fail(who_, ": the learner refused this worker: ", c.reason,
           " (start every role with the same config: only per-worker fields such as slots, "
           "threads, device and reward_service.threads may differ)");
    }
    if (c.kind == ControlKind::stop) {
      stopped_ = true;
      channel_.send(ControlMessage::bye().to_message(), 200);  // for each stop: it may resend
    }
  }
  if (stopped_ || timeout_s_ <= 0) return stopped_;
  const double t = steady_seconds();
  const double quiet = t - (last_heard_ < 0 ? started_ : last_heard_);
  const double limit = last_heard_ < 0 ? std::max(timeout_s_, kFirstContactS) : timeout_s_;
  if (quiet > limit) {
    fail(who_, ": heard nothing from the learner on the control channel (", channel_.endpoint(),
         ") for ", static_cast<int64_t>(quiet), " s (transport.heartbeat_timeout_s is ", timeout_s_,
         "); the learner has died or is unreachable, so this worker stops");
  }
  if (last_control_ < 0) {
    // Not yet registered. Weights or tasks arriving all the while, with hellos unanswered: the
    // learner's ROUTER drops a second connection under a routing id it already has.
    if (last_heard_ >= 0 && t - started_ > kUnansweredS && t - last_heard_ < timeout_s_) {
      fail(who_, ": the learner sends weights or tasks but has answered none of this worker's ",
           "hellos on the control channel (", channel_.endpoint(), ") in ",
           static_cast<int64_t>(t - started_), " s: another worker with the id '", id_,
           "' is probably connected (ids must be unique: give each worker its own --id), or "
           "the control endpoint this worker was given is not the learner's (transport.control)");
    }
    if (t - last_hello_ > kHelloRetryS) hello(version_);
    return false;
  }
  const double control_quiet = t - last_control_;
  if (control_quiet > timeout_s_ / 3 && t - last_hello_ > timeout_s_ / 3) hello(version_);
  return false;
}

}  // namespace r1
