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

// A worker's first hello goes out before its connection is up and is often lost: the link says
// hello again every second until the learner answers, so that the learner registers it (and
// tells it to stop at the end) though weights or tasks reach it all along.
TEST(LearnerControl, AHelloThatWasLostIsSentAgainUntilTheLearnerAnswers) {
  Context ctx;
  const Endpoints ep = inproc("lost-hello", 30);
  LearnerControl control(ctx, ep);
  LearnerLink link(ctx, ep, "rollout", "rollout-late");  // its hello() never went out
  link.heard();                                          // weights came: the learner is alive
  ASSERT_TRUE(wait_until(
      [&] {
        link.poll();
        return control.take_republish();
      },
      5))
      << "no hello within 5 s (heartbeat_timeout_s / 3 is 10 s)";
  auto stopping = std::async(std::launch::async, [&] { control.stop_workers(); });
  EXPECT_TRUE(wait_until([&] { return link.poll(); }, 10)) << "registered: the stop reaches it";
  stopping.get();
}

// Two workers under one id: the learner's ROUTER drops the second connection, so the second's
// hellos go unanswered while weights reach it. It stops with an error naming the id.
TEST(LearnerControl, ASecondWorkerWithTheSameIdStopsNamingIt) {
  Context ctx;
  Endpoints ep;
  ep.control = "tcp://127.0.0.1:*";
  ep.curve = false;  // the clash is the ROUTER's, with or without CurveZMQ
  ep.heartbeat_timeout_s = 60;
  LearnerControl control(ctx, ep);
  ep.control = control.endpoint();
  LearnerLink first(ctx, ep, "rollout", "twin");
  ASSERT_TRUE(wait_until(
      [&] {
        first.poll();
        return control.take_republish();
      },
      10));
  LearnerLink second(ctx, ep, "rollout", "twin");
  std::string e;
  const bool failed = wait_until(
      [&] {
        first.poll();
        second.heard();  // weights and tasks keep coming
        e = error_of([&] { second.poll(); });
        return !e.empty();
      },
      LearnerLink::kUnansweredS + 15);
  ASSERT_TRUE(failed);
  EXPECT_NE(e.find("rollout twin: the learner sends weights or tasks but has answered none of "
                   "this worker's hellos"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("another worker with the id 'twin'"), std::string::npos) << e;
  EXPECT_NO_THROW(first.poll()) << "the first worker carries on";
}

// A worker whose hello carries other settings than the run's is refused, not registered, and
// stops naming the fields; one with the run's settings, or none (an older peer), joins.
TEST(LearnerControl, AWorkerWithOtherSettingsIsRefusedNamingTheFields) {
  Context ctx;
  const Endpoints ep = inproc("settings", 30);
  const json run = {{"rollout", {{"temperature", 1.0}, {"max_new_tokens", 16}}},
                    {"model", {{"hidden_size", 64}}}};
  LearnerControl control(ctx, ep, {{"rollout", run}});
  json other = run;
  other["rollout"]["temperature"] = 0.5;
  other["model"]["hidden_size"] = 32;
  LearnerLink refused(ctx, ep, "rollout", "rollout-hot", other);
  ASSERT_TRUE(refused.hello(std::nullopt, 1000));
  std::string e;
  ASSERT_TRUE(wait_until(
      [&] {
        e = error_of([&] { refused.poll(); });
        return !e.empty();
      },
      10));
  EXPECT_NE(e.find("rollout rollout-hot: the learner refused this worker: its config differs from "
                   "the run's in model.hidden_size (32; the learner's 64), rollout.temperature "
                   "(0.5; the learner's 1.0)"),
            std::string::npos)
      << e;
  EXPECT_EQ(control.refused(), 1u);
  EXPECT_FALSE(control.take_republish()) << "a refused worker is no reason to republish";

  LearnerLink same(ctx, ep, "rollout", "rollout-ok", run);
  ASSERT_TRUE(same.hello(std::nullopt, 1000));
  ASSERT_TRUE(wait_until([&] { return control.take_republish(); }, 10));
  EXPECT_NO_THROW(same.poll());
  EXPECT_EQ(control.refused(), 1u);
}

TEST(LearnerControl, SettingsDifferenceListsEveryDifferingLeaf) {
  const json a = {{"a", 1}, {"b", {{"c", "x"}, {"d", {1, 2}}}}, {"e", true}};
  json b = a;
  EXPECT_EQ(LearnerControl::settings_difference(a, b), "");
  b["b"]["d"] = {1, 3};
  b.erase("e");
  b["f"] = 2;
  EXPECT_EQ(LearnerControl::settings_difference(a, b),
            "b.d ([1,2]; the learner's [1,3]), e (true; the learner's absent), f (absent; the "
            "learner's 2)");
  EXPECT_EQ(LearnerControl::settings_difference(a, b, 1),
            "b.d ([1,2]; the learner's [1,3]), and 2 more");
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
