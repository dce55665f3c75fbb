// The control channel's two ends in one process over inproc://: the learner's LearnerControl
// (hellos, heartbeats from its own thread, counted rejects, the final stop) and a worker's
// LearnerLink (hello, heartbeat watch, stop).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
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
  // stop_workers() returns once the worker has answered "bye", before its kByeWaitS are up.
  const auto t0 = std::chrono::steady_clock::now();
  auto stopping = std::async(std::launch::async, [&] { control.stop_workers(); });
  EXPECT_TRUE(wait_until([&] { return link.poll(); }, 10)) << "the stop reaches the worker";
  stopping.get();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
            LearnerControl::kByeWaitS)
      << "the learner heard the worker's bye";
  EXPECT_EQ(link.channel().rejected(), 0u);
}

// A stop lost on the way is sent again until the worker answers "bye"; a worker that never
// answers holds the learner's exit for kByeWaitS at most.
TEST(LearnerControl, StopIsSentAgainUntilTheWorkerSaysBye) {
  Context ctx;
  const Endpoints ep = inproc("bye", 30);
  auto control = std::make_unique<LearnerControl>(ctx, ep);
  ChannelOptions o;
  o.identity = "rollout-3";
  Channel worker(ctx, SocketKind::Dealer, "control", ep.control, false, o);
  ASSERT_TRUE(worker.send(ControlMessage::hello("rollout", "rollout-3", 0).to_message(), 1000));
  ASSERT_TRUE(wait_until([&] { return control->take_republish(); }, 10));
  auto stopping = std::async(std::launch::async, [&] { control->stop_workers(); });
  auto next_stop = [&] {
    while (auto m = worker.recv(5000)) {
      if (ControlMessage::from_message(*m).kind == ControlKind::stop) return true;
    }
    return false;
  };
  ASSERT_TRUE(next_stop());
  ASSERT_TRUE(next_stop()) << "no bye yet: the stop comes again";
  ASSERT_TRUE(worker.send(ControlMessage::bye().to_message(), 1000));
  EXPECT_EQ(stopping.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  stopping.get();

  // A silent worker: the learner gives up after kByeWaitS.
  const Endpoints ep2 = inproc("silent-worker", 30);
  control = std::make_unique<LearnerControl>(ctx, ep2);
  Channel mute(ctx, SocketKind::Dealer, "control", ep2.control, false, o);
  ASSERT_TRUE(mute.send(ControlMessage::hello("rollout", "rollout-3", 0).to_message(), 1000));
  ASSERT_TRUE(wait_until([&] { return control->take_republish(); }, 10));
  const auto t0 = std::chrono::steady_clock::now();
  control->stop_workers();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(took, LearnerControl::kByeWaitS - 0.1);
  EXPECT_LT(took, LearnerControl::kByeWaitS + 10);
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
