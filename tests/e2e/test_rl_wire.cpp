// One peer must not stop or poison a run. Real roles over real tcp:// sockets: wrongly typed
// control messages, forged scored groups for tasks a peer took from the tasks port, frames over
// the size cap, peers without the run's key, and workers whose learner died. The misbehaving
// peers of the first three hold the run's key file (a buggy or compromised worker); those
// without it get nothing through at all.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/channel.h"
#include "core/rl_messages.h"
#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

namespace {

int step_of(const std::string& run_dir) {
  auto rows = read_metrics(run_dir);
  return rows.empty() ? 0 : rows.back()["step"].get<int>();
}

// `r1 run` of ci-tiny over `transport` with `learner` fields patched in, its run folder d/run.
std::unique_ptr<Background> start_run(const TempDir& d, const json& transport,
                                      const json& learner) {
  write_json(d.file("cfg.json"), ci_config({{"transport", transport}, {"learner", learner}}));
  return std::make_unique<Background>(r1_args({"run", d.file("cfg.json"), "--out", d.file("run")}),
                                      d.file("run.log"));
}

// Ends a run that still has steps to go as a user would (SIGTERM): it exits 130. Tests that
// inject messages run long and stop once the counts show, so that a slow machine cannot finish
// the run before the messages arrive.
void stop_run(Background& run) {
  run.kill(SIGTERM);
  EXPECT_EQ(run.wait(60), 130) << run.output();
}

bool first_step_done(const TempDir& d) {
  return wait_until([&] { return step_of(d.file("run")) >= 1; }, 120);
}

Message control_message(const json& header) {
  Message m;
  m.type = "control";
  m.header = header;
  return m;
}

// A scored group that answers task `a` with made-up samples; `spoil` then breaks one thing.
RolloutGroup forged_answer(const TaskAssignment& a) {
  RolloutGroup g;
  g.seq = a.seq;
  g.task = a.task;
  g.prompt = {1, 2, 3};
  g.version = a.min_version;
  g.worker = "thief";
  g.scored = true;
  for (int i = 0; i < a.group_size; ++i) {
    SampleResult s;
    s.tokens = {65, 66};
    s.logprobs = {-1.0f, -2.0f};
    s.text = "AB";
    s.finish_reason = "stop";
    s.reward = i % 2;
    g.samples.push_back(std::move(s));
  }
  return g;
}

}  // namespace

// A control message whose "kind" or "role" is a number (or any field of the wrong type) used to
// throw out of the learner's control handling and end the run with exit code 1. Now each is
// dropped and counted under rejected_messages.control, and the run completes.
TEST(RlWire, WronglyTypedControlMessagesAreDroppedAndCounted) {
  TempDir d("wire_control");
  json transport = tcp_transport();
  auto run = start_run(d, transport, {{"steps", 100000}});
  ASSERT_TRUE(first_step_done(d)) << run->output();
  Context ctx;
  Channel control(ctx, SocketKind::Dealer, "control", transport["control"], false,
                  keyed_peer(d.file("cfg.json")));
  const std::vector<json> bad = {
      {{"kind", 5}},
      {{"kind", "hello"}, {"role", 7}, {"id", "x"}},
      {{"kind", "hello"}, {"role", "rollout"}, {"id", 3}},
      {{"kind", "hello"}, {"role", "rollout"}, {"id", "x"}, {"version", "new"}},
      {{"kind", {1, 2}}},
      {{"kind", nullptr}},
      {{"kind", "launch"}},
      json::object(),
  };
  for (const json& h : bad) ASSERT_TRUE(control.send(control_message(h), 10000));
  EXPECT_TRUE(wait_until(
      [&] { return rejected_messages(d.file("run"), "control") >= static_cast<int>(bad.size()); },
      120))
      << "rejected: " << rejected_messages(d.file("run"), "control") << "\n"
      << run->output();
  EXPECT_TRUE(run->running()) << "none of them ended the run\n" << run->output();
  stop_run(*run);
}

// A peer that takes tasks from the tasks port and answers them with forged scored groups: a
// token id of 10^9, a NaN reward, more log-probs than tokens, a reward out of the configured
// range, a group of the wrong size, a text that is not the tokens, a prompt that is not the
// task's. Each used to be trusted (the first ended the learner); now each is dropped and
// counted, the tasks are written off and replaced, and the run completes.
TEST(RlWire, ForgedScoredGroupsAreDroppedAndCounted) {
  TempDir d("wire_forged");
  json transport = tcp_transport();
  auto run = start_run(d, transport, {{"steps", 6}, {"task_timeout_s", 2.0}});
  ASSERT_TRUE(first_step_done(d)) << run->output();
  Context ctx;
  auto tasks = std::make_unique<Channel>(ctx, SocketKind::Pull, "tasks", transport["tasks"], false,
                                         keyed_peer(d.file("cfg.json")));
  Channel scored(ctx, SocketKind::Push, "scored", transport["scored"], false,
                 keyed_peer(d.file("cfg.json")));
  using Spoil = std::function<void(RolloutGroup&)>;
  const std::vector<std::pair<const char*, Spoil>> forgeries = {
      {"token id 10^9", [](RolloutGroup& g) { g.samples[0].tokens[0] = 1000000000; }},
      {"NaN reward",
       [](RolloutGroup& g) { g.samples[1].reward = std::numeric_limits<double>::quiet_NaN(); }},
      {"more log-probs than tokens",
       [](RolloutGroup& g) { g.samples[0].logprobs.resize(4096, -1.0f); }},
      {"reward out of range", [](RolloutGroup& g) { g.samples[2].reward = 1e6; }},
      {"a group of the wrong size", [](RolloutGroup& g) { g.samples.pop_back(); }},
      {"a text that is not the tokens",
       [](RolloutGroup& g) { g.samples[3].text = "<answer>42</answer>"; }},
      {"a prompt that is not the task's", [](RolloutGroup& g) { g.prompt = {9}; }},
      {"a positive log-prob", [](RolloutGroup& g) { g.samples[0].logprobs[0] = 5.0f; }},
  };
  size_t sent = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        auto m = tasks->recv(100);
        if (!m) return false;
        RolloutGroup g = forged_answer(TaskAssignment::from_message(*m));
        forgeries[sent].second(g);
        EXPECT_TRUE(scored.send(g.to_message(), 1000)) << forgeries[sent].first;
        return ++sent == forgeries.size();
      },
      120))
      << run->output();
  tasks.reset();  // take no more tasks: the run goes on with the real worker
  ASSERT_EQ(run->wait(240), 0) << run->output();
  auto rows = read_metrics(d.file("run"));
  ASSERT_EQ(rows.size(), 6u);
  int lost = 0;
  for (const auto& r : rows) lost += r["groups"]["lost"].get<int>();
  EXPECT_GE(rows.back()["rejected_messages"]["scored"].get<int>(),
            static_cast<int>(forgeries.size()));
  EXPECT_GE(lost, static_cast<int>(forgeries.size()))
      << "the forged tasks are written off, not trained on";
}

// A frame larger than the channel's cap (transport.max_message_mb.scored, 16 MB by default)
// drops the sending connection before ZeroMQ allocates it: it never reaches the learner (a frame
// that did would be rejected and counted as garbage), while a small message from another
// connection still does, and the run completes.
TEST(RlWire, FrameOverTheCapNeverArrives) {
  TempDir d("wire_cap");
  json transport = tcp_transport();
  auto run = start_run(d, transport, {{"steps", 100000}});
  ASSERT_TRUE(first_step_done(d)) << run->output();
  Context ctx;
  Channel big(ctx, SocketKind::Push, "scored", transport["scored"], false,
              keyed_peer(d.file("cfg.json")));
  Channel small(ctx, SocketKind::Push, "scored", transport["scored"], false,
                keyed_peer(d.file("cfg.json")));
  ASSERT_TRUE(big.send_raw({std::string(64u << 20, 'x')}, 5000));
  ASSERT_TRUE(small.send_raw({std::string(16, 'y')}, 5000));
  ASSERT_TRUE(wait_until([&] { return rejected_messages(d.file("run"), "scored") >= 1; }, 120))
      << run->output();
  // A few more steps, in which the big frame would be counted too had it arrived.
  const int seen_at = step_of(d.file("run"));
  ASSERT_TRUE(wait_until([&] { return step_of(d.file("run")) >= seen_at + 3; }, 120))
      << run->output();
  EXPECT_EQ(rejected_messages(d.file("run"), "scored"), 1) << "only the small garbage arrives";
  stop_run(*run);
}

// Rollout workers and the reward service used to outlive a dead learner forever. They now exit
// non-zero when the learner's heartbeat stops, naming the channel they heard it on.
TEST(RlWire, WorkersExitWhenTheLearnerDies) {
  TempDir d("wire_heartbeat");
  json transport = tcp_transport();
  transport["heartbeat_timeout_s"] = 2;
  write_json(d.file("cfg.json"), ci_config({{"transport", transport}}));
  RunRoles roles(d, d.file("cfg.json"));
  Background &learner = roles.learner, &reward = roles.reward, &rollout = roles.rollout;
  ASSERT_TRUE(wait_until([&] { return step_of(d.file("run")) >= 1; }, 120)) << learner.output();
  // Until a worker first hears the learner it allows kFirstContactS (60 s) of silence, longer
  // than this test waits below; on a loaded machine the first step can come before that.
  const std::string in_touch = "in touch with the learner";
  ASSERT_TRUE(wait_until(
      [&] {
        return rollout.output().find(in_touch) != std::string::npos &&
               reward.output().find(in_touch) != std::string::npos;
      },
      60))
      << rollout.output() << reward.output();
  learner.kill(SIGKILL);
  learner.wait(5);
  const int rollout_code = rollout.wait(30), reward_code = reward.wait(30);
  EXPECT_GT(rollout_code, 0) << rollout.output();
  EXPECT_GT(reward_code, 0) << reward.output();
  const std::string named = "heard nothing from the learner on the control channel (" +
                            transport["control"].get<std::string>();
  EXPECT_NE(rollout.output().find(named), std::string::npos) << rollout.output();
  EXPECT_NE(reward.output().find(named), std::string::npos) << reward.output();
}

// Every role reads its own copy of the config: a rollout worker started with another temperature
// (its samples' ratios would be taken at the learner's) and a reward service with other rewards
// are refused by the learner, and each exits naming the field; the run goes on with the workers
// whose settings are the run's.
TEST(RlWire, AWorkerStartedWithAnotherConfigIsRefusedNamingTheField) {
  TempDir d("wire_settings");
  const json transport = tcp_transport();
  write_json(d.file("cfg.json"),
             ci_config({{"transport", transport}, {"learner", {{"steps", 400}}}}));
  json other_transport = transport;
  other_transport["key_file"] = key_file_of(d.file("cfg.json"));
  write_json(d.file("hot.json"), ci_config({{"transport", other_transport},
                                            {"rollout", {{"temperature", 0.5}, {"slots", 8}}}}));
  json reward = ci_config()["reward"];
  reward["components"]["format"]["weight"] = 0.5;
  json rich_transport = other_transport;  // a reward service binds its rollouts port
  rich_transport["rollouts"] = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
  write_json(d.file("rich.json"), ci_config({{"transport", rich_transport}, {"reward", reward}}));
  RunRoles roles(d, d.file("cfg.json"));
  Background& learner = roles.learner;
  ASSERT_TRUE(first_step_done(d)) << learner.output();
  Background hot(r1_args({"worker", "--role", "rollout", "--config", d.file("hot.json"), "--id",
                          "rollout-hot"}),
                 d.file("hot.log"));
  Background rich(r1_args({"worker", "--role", "reward", "--config", d.file("rich.json"), "--id",
                           "reward-rich"}),
                  d.file("rich.log"));
  EXPECT_EQ(hot.wait(60), 1) << hot.output();
  EXPECT_NE(hot.output().find("rollout rollout-hot: the learner refused this worker: its config "
                              "differs from the run's in rollout.temperature (0.5; the learner's "
                              "1.0)"),
            std::string::npos)
      << hot.output();
  EXPECT_EQ(rich.wait(60), 1) << rich.output();
  EXPECT_NE(rich.output().find("reward.components.format.weight (0.5; the learner's 0.1)"),
            std::string::npos)
      << rich.output();
  const int before = step_of(d.file("run"));
  EXPECT_TRUE(wait_until([&] { return step_of(d.file("run")) > before; }, 120))
      << "the run goes on\n"
      << learner.output();
  EXPECT_NE(learner.output().find("learner: refused rollout rollout-hot"), std::string::npos);
  learner.kill(SIGTERM);
  EXPECT_EQ(learner.wait(60), 130) << learner.output();
}

// A peer without the run's key file: its garbage and well-formed messages never reach the
// learner (nothing is even counted as rejected), and it cannot take a task from the tasks port.
TEST(RlWire, PeersWithoutTheKeyFileGetNothingThrough) {
  TempDir d("wire_keys");
  json transport = tcp_transport();
  auto run = start_run(d, transport, {{"steps", 6}});
  ASSERT_TRUE(first_step_done(d)) << run->output();
  Context ctx;
  ChannelOptions eager;  // queue before any handshake completes: try as hard as a stranger can
  eager.immediate = false;
  Channel scored(ctx, SocketKind::Push, "scored", transport["scored"], false, eager);
  Channel control(ctx, SocketKind::Dealer, "control", transport["control"], false, eager);
  Channel tasks(ctx, SocketKind::Pull, "tasks", transport["tasks"], false);
  TaskAssignment t;
  t.task = {{"prompt", "x"}};
  RolloutGroup forged = forged_answer(t);
  for (int i = 0; i < 20; ++i) {
    scored.send_raw({"garbage"}, 100);
    scored.send(forged.to_message(), 100);
    control.send(control_message({{"kind", 5}}), 100);
  }
  int stolen = 0;
  while (run->running()) stolen += tasks.recv(100).has_value();
  ASSERT_EQ(run->wait(240), 0) << run->output();
  auto rows = read_metrics(d.file("run"));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(stolen, 0);
  EXPECT_EQ(rows.back()["rejected_messages"]["scored"].get<int>(), 0);
  EXPECT_EQ(rows.back()["rejected_messages"]["control"].get<int>(), 0);
  EXPECT_TRUE(file_exists(key_file_of(d.file("cfg.json"))));
}

// A worker whose key file is missing or broken says which file (and line), and exits non-zero.
TEST(RlWire, AWorkerWithoutAGoodKeyFileNamesIt) {
  TempDir d("wire_no_key");
  json transport = tcp_transport();
  write_json(d.file("cfg.json"), ci_config({{"transport", transport}}));
  Context ctx;  // something listening on the ports, so that the worker gets as far as the keys
  std::vector<std::unique_ptr<Channel>> bound;
  for (const char* name : {"tasks", "rollouts", "weights", "control"}) {
    bound.push_back(std::make_unique<Channel>(ctx, SocketKind::Pull, name, transport[name], true));
  }
  const std::string worker =
      r1_binary() + " worker --role rollout --wait 1 --config " + d.file("cfg.json");
  auto r = run_command(worker);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(
      r.out.find("transport key file " + key_file_of(d.file("cfg.json")) + ": cannot open it"),
      std::string::npos)
      << r.out;
  write_file_atomic(key_file_of(d.file("cfg.json")), "server-public abc\n");
  r = run_command(worker);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find(key_file_of(d.file("cfg.json")) +
                       ": line 1: server-public is not a 40-character Z85 key"),
            std::string::npos)
      << r.out;
}

// The reward service (its own process) scores only rollouts that this run's workers can
// produce: one with a token id of 10^9, or a text that is not its tokens (scored text, trained
// tokens), is dropped and counted before any verifier sees it; a good one is scored and passed on.
TEST(RlWire, TheRewardServiceScoresOnlyRolloutsTheRunCanProduce) {
  TempDir d("wire_reward");
  json transport = tcp_transport();
  write_json(d.file("cfg.json"), ci_config({{"transport", transport}}));
  create_key_file(key_file_of(d.file("cfg.json")));  // the stand-in learner's
  const ChannelOptions keyed = keyed_peer(d.file("cfg.json"));
  Context ctx;
  Channel scored(ctx, SocketKind::Pull, "scored", transport["scored"], true, keyed);
  Channel control(ctx, SocketKind::Router, "control", transport["control"], true, keyed);
  Background reward(
      r1_args({"worker", "--role", "reward", "--config", d.file("cfg.json"), "--id", "reward-a"}),
      d.file("reward.log"));
  std::optional<Message> hello;
  ASSERT_TRUE(wait_until([&] { return (hello = control.recv(100)).has_value(); }, 60))
      << reward.output();
  auto rollout = [](uint64_t seq) {
    TaskAssignment t;
    t.seq = seq;
    t.task = {{"id", "t"}, {"prompt", "Compute 1+1."}, {"answer", "2"}, {"verifier", "math"}};
    t.group_size = 8;
    RolloutGroup g = forged_answer(t);
    g.scored = false;
    return g;
  };
  Channel rollouts(ctx, SocketKind::Push, "rollouts", transport["rollouts"], false, keyed);
  RolloutGroup huge_id = rollout(1), other_text = rollout(2);
  huge_id.samples[0].tokens[0] = 1000000000;
  other_text.samples[5].text = "<answer>2</answer>";
  ASSERT_TRUE(rollouts.send(huge_id.to_message(), 10000));
  ASSERT_TRUE(rollouts.send(other_text.to_message(), 10000));
  ASSERT_TRUE(rollouts.send(rollout(3).to_message(), 10000));
  auto got = scored.recv(30000);
  ASSERT_TRUE(got) << reward.output();
  RolloutGroup g = RolloutGroup::from_message(*got);
  EXPECT_TRUE(g.scored);
  EXPECT_EQ(g.seq, 3u) << "only the good rollout is scored";
  EXPECT_FALSE(scored.recv(1000));
  Message stop = ControlMessage::stop().to_message();
  stop.peer = hello->peer;
  ASSERT_TRUE(control.send(stop, 1000));
  EXPECT_EQ(reward.wait(20), 0) << reward.output();
  EXPECT_NE(reward.output().find("outside the vocabulary"), std::string::npos) << reward.output();
}
