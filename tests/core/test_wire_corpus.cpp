// The seed corpus of the wire fuzz target (tests/fuzz/fuzz_wire_message.cpp): real encoded
// messages of each type. This test checks that the committed seeds are exactly what the codecs
// encode today and that each decodes as its type, so the fuzzer starts from real messages after
// a format change too. R1_WRITE_FUZZ_CORPUS=1 rewrites them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/channel.h"
#include "core/fs.h"
#include "core/rl_messages.h"
#include "tests/fuzz/wire_frames.h"
#include "tests/fuzz/wire_limits.h"

using namespace r1;

namespace {

const std::string kCorpus = std::string(R1_SOURCE_DIR) + "/tests/fuzz/corpus/wire_message";

RolloutGroup seed_group(bool scored) {
  RolloutGroup g;
  g.seq = 5;
  g.task = {{"id", "arith-5"},       {"family", "arith"},  {"prompt", "Compute 12+30."},
            {"answer", "42"},        {"verifier", "math"}, {"difficulty", 1},
            {"meta", json::object()}};
  g.prompt = {60, 124, 105, 109, 62, 10, 67, 111};
  g.version = 3;
  g.worker = "rollout-0";
  g.gen_seconds = 0.125;
  g.verify_seconds = scored ? 0.0625 : 0.0;
  g.scored = scored;
  for (int i = 0; i < 3; ++i) {
    SampleResult s;
    s.tokens = {52, 50, 60};
    s.logprobs = {-0.5f, -0.25f, -2.0f};
    s.text = "42<";
    s.finish_reason = i == 2 ? "length" : "stop";
    if (scored) {
      s.verifier_error = i == 1;
      if (!s.verifier_error) s.reward = i == 0 ? 1.1 : 0.0;
      s.correct = i == 0;
      s.format_ok = i == 0;
      s.reason = s.verifier_error ? "bad_task" : "ok";
      s.components = {{"correctness", i == 0 ? 1.0 : 0.0}, {"format", i == 0 ? 1.0 : 0.0}};
    }
    g.samples.push_back(std::move(s));
  }
  return g;
}

// A group whose task carries its worked solution, returned as one more sample (tasks.mix[].guide).
RolloutGroup seed_guided_group() {
  RolloutGroup g = seed_group(false);
  const std::string guide = "<think>12+30 = 42</think><answer>42</answer>";
  g.task["meta"][kGuideKey] = guide;
  SampleResult s;
  for (unsigned char c : guide) {
    s.tokens.push_back(c);
    s.logprobs.push_back(-0.125f);
  }
  s.text = guide;
  s.finish_reason = "stop";
  s.guide = true;
  g.samples.push_back(std::move(s));
  return g;
}

std::map<std::string, Message> seed_messages() {
  std::map<std::string, Message> seeds;
  TaskAssignment t;
  t.seq = 5;
  t.task = seed_group(false).task;
  t.group_size = 3;
  t.min_version = 3;
  t.session = 77;
  t.wave = 2;
  t.wave_size = 4;
  seeds["task"] = t.to_message();
  seeds["rollout"] = seed_group(false).to_message();
  seeds["rollout-guided"] = seed_guided_group().to_message();
  seeds["scored"] = seed_group(true).to_message();
  seeds["control-hello"] = ControlMessage::hello("rollout", "rollout-0", 3).to_message();
  seeds["control-hello-reward"] = ControlMessage::hello("reward", "reward-0").to_message();
  seeds["control-heartbeat"] = ControlMessage::heartbeat().to_message();
  seeds["control-stop"] = ControlMessage::stop().to_message();
  seeds["control-hello-settings"] =
      ControlMessage::hello("rollout", "rollout-1", std::nullopt,
                            {{"rollout", {{"temperature", 1.0}, {"stop", {"</answer>"}}}}})
          .to_message();
  seeds["control-refuse"] =
      ControlMessage::refuse("its config differs from the run's in rollout.temperature")
          .to_message();
  WeightsPayload w;
  w.version = 4;
  w.session = 77;
  for (int i = 0; i < 1024; ++i) w.params.push_back(0.001f * i);
  w.expert_bias = {{}, {0.5f, -0.25f}};
  auto chunks = weights_messages(w, 512);
  for (size_t i = 0; i < chunks.size(); ++i) seeds["weights-" + std::to_string(i)] = chunks[i];
  return seeds;
}

}  // namespace

TEST(WireCorpus, SeedsAreTodaysEncodingOfEachMessageType) {
  const bool write = std::getenv("R1_WRITE_FUZZ_CORPUS") != nullptr;
  if (write) std::filesystem::create_directories(kCorpus);
  for (const auto& [name, m] : seed_messages()) {
    const std::string bytes = r1::fuzz::join_frames(encode(m));
    const std::string path = kCorpus + "/" + name;
    if (write) write_file_atomic(path, bytes);
    ASSERT_TRUE(file_exists(path)) << path << " is missing: run with R1_WRITE_FUZZ_CORPUS=1";
    EXPECT_EQ(read_file(path), bytes) << path << " is stale: run with R1_WRITE_FUZZ_CORPUS=1";
    auto data = reinterpret_cast<const uint8_t*>(bytes.data());
    Message d = decode(r1::fuzz::split_frames(data, bytes.size()));
    EXPECT_EQ(d.type, m.type);
    if (d.type == "task") {
      EXPECT_NO_THROW(TaskAssignment::from_message(d)) << name;
    } else if (d.type == "rollout" || d.type == "scored") {
      EXPECT_NO_THROW(RolloutGroup::from_message(d)) << name;
    } else if (d.type == "control") {
      EXPECT_NO_THROW(ControlMessage::from_message(d)) << name;
    }
  }
}

// The frame format round-trips, and any bytes split into frames without reading past the end.
TEST(WireCorpus, FrameSplittingRoundTripsAndNeverOverreads) {
  const std::vector<std::string> frames = {"", "a", std::string(300, 'x'), std::string("\0\1", 2)};
  const std::string joined = r1::fuzz::join_frames(frames);
  EXPECT_EQ(r1::fuzz::split_frames(reinterpret_cast<const uint8_t*>(joined.data()), joined.size()),
            frames);
  for (size_t cut = 0; cut <= joined.size(); ++cut) {
    auto parts = r1::fuzz::split_frames(reinterpret_cast<const uint8_t*>(joined.data()), cut);
    size_t total = 0;
    for (const auto& p : parts) total += p.size();
    EXPECT_LE(total, cut);
  }
}

// The seeds of groups are groups the checks accept, with the fuzz target's limits, so that
// fuzzing from them reaches past those checks: into the guide's own, for the guided one.
TEST(WireCorpus, GroupSeedsPassTheRolloutChecks) {
  for (const RolloutGroup& seed : {seed_group(false), seed_group(true), seed_guided_group()}) {
    const RolloutGroup g = RolloutGroup::from_message(seed.to_message());
    EXPECT_NO_THROW(check_rollout_group(g, r1::fuzz::wire_limits(g))) << g.samples.size();
  }
  const RolloutGroup guided = seed_guided_group();
  ASSERT_TRUE(guided.samples.back().guide);
  EXPECT_EQ(r1::fuzz::wire_limits(guided).group_size, 3);
}
