// The control channel's two ends in one process over inproc://: the learner's LearnerControl
// (hellos, heartbeats from its own thread, counted rejects, the final stop) and a worker's
// LearnerLink (hello, heartbeat watch, stop).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/learner_link.h"
#include "core/rl_messages.h"
#include "learner/learner_control.h"
#include "tests/common/cli.h"
#include "tests/common/error_of.h"

using namespace r1;
using r1::testing::error_of;
using r1::testing::wait_until;

namespace {

Endpoints inproc(const std::string& tag, double heartbeat_timeout_s) {
  Endpoints e;
  e.control = "inproc://control-" + tag;
  e.heartbeat_timeout_s = heartbeat_timeout_s;
  return e;
}

}  // namespace

TEST(LearnerControl, HeartbeatsWorkersCountsBadMessagesAndTellsThemToStop) {
  Context ctx;
  // A heartbeat every 0.5 s; a loaded machine can stall a thread for much of a second.
  const Endpoints ep = inproc("beat", 3.0);
  LearnerControl control(ctx, ep);
  LearnerLink link(ctx, ep, "rollout", "rollout-7");
  ASSERT_TRUE(link.hello(3, 1000));
  ASSERT_TRUE(wait_until([&] { return control.take_republish(); }, 10))
      << "a rollout worker's hello";
  // Heartbeats keep the link alive well past its timeout.
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(4500);
  while (std::chrono::steady_clock::now() < end) {
    EXPECT_FALSE(link.poll());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // A stranger's wrongly typed messages are dropped and counted, never fatal.
  ChannelOptions o;
  o.identity = "stranger";
  Channel stranger(ctx, SocketKind::Dealer, "control", ep.control, false, o);
  Message bad;
  bad.type = "control";
  bad.header = {{"kind", "hello"}, {"role", 7}, {"id", "x"}};
  ASSERT_TRUE(stranger.send(bad, 1000));
  ASSERT_TRUE(stranger.send(ControlMessage::stop().to_message(), 1000));  // not a worker's to send
  ASSERT_TRUE(wait_until([&] { return control.rejected() >= 2; }, 10));
  control.stop_workers();
  EXPECT_TRUE(wait_until([&] { return link.poll(); }, 10)) << "the stop reaches the worker";
  EXPECT_EQ(link.channel().rejected(), 0u);
}

// After the learner's first word, silence for heartbeat_timeout_s is an error naming the channel.
TEST(LearnerControl, AWorkerWhoseLearnerFellSilentStopsNamingTheChannel) {
  Context ctx;
  const Endpoints ep = inproc("silent", 3.0);
  Channel learner(ctx, SocketKind::Router, "control", ep.control, true);  // never heartbeats
  LearnerLink link(ctx, ep, "reward", "reward-1");
  ASSERT_TRUE(link.hello(std::nullopt, 1000));
  auto hello = learner.recv(5000);
  ASSERT_TRUE(hello);
  Message beat = ControlMessage::heartbeat().to_message();
  beat.peer = hello->peer;
  ASSERT_TRUE(learner.send(beat, 1000));
  std::string e;
  ASSERT_TRUE(wait_until(
      [&] {
        e = error_of([&] { link.poll(); });
        return !e.empty();
      },
      30));
  EXPECT_NE(e.find("reward reward-1: heard nothing from the learner on the control channel "
                   "(inproc://control-silent)"),
            std::string::npos)
      << e;
  // Meanwhile it said hello again, for a learner that restarts.
  int hellos = 0;
  while (auto m = learner.recv(100))
    hellos += ControlMessage::from_message(*m).kind == ControlKind::hello;
  EXPECT_GE(hellos, 1);
}
