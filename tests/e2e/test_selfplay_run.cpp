// An RL run whose whole mix is self-play (tasks/selfplay/, learner/selfplay_coordinator.h),
// through the real binary: the learner seeds the buffer in the sandbox, propose and solve tasks
// go out, the reward service judges them, metrics.jsonl reports the self-play figures, and the
// buffer is saved with each checkpoint; a run stopped after two steps and resumed ends with the
// same buffer and metrics as one that ran straight through. (The policy is a fresh tiny model
// with a long context: its proposals are malformed, which is what this test expects; the
// coordinator's tests cover valid proposals and learnability.)
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/common/cli.h"
#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

namespace {

json selfplay_config(const TempDir& dir, int steps) {
  json model = json::parse(read_file(repo_root() + "/configs/models/tiny-moe.json"));
  model["max_position_embeddings"] = 2048;  // self-play prompts show programs
  write_json(dir.file("model.json"), model);
  json cfg = json::parse(read_file(repo_root() + "/configs/ci-tiny.json"));
  cfg["model"] = {{"config", dir.file("model.json")}, {"init_seed", 1}};
  cfg["tasks"] = {{"seed", 3}, {"mix", {{{"self_play", {{"seed_tasks", 8}, {"references", 1}}}}}}};
  cfg["rollout"]["group_size"] = 4;
  cfg["rollout"]["max_new_tokens"] = 24;
  cfg["learner"]["steps"] = steps;
  cfg["learner"]["batch_groups"] = 4;
  cfg["learner"]["checkpoint_every"] = 2;
  cfg["learner"]["samples_every"] = 1;
  return cfg;
}

json buffer_of(const std::string& run_dir, const std::string& checkpoint) {
  json st = json::parse(read_file(run_dir + "/checkpoints/" + checkpoint + "/trainer_state.json"));
  return st["task_source"]["self_play"]["0"];
}

}  // namespace

TEST(SelfPlayRun, RunsReportsAndResumesWithTheSameBuffer) {
  TempDir d("selfplay_run");
  write_json(d.file("cfg4.json"), selfplay_config(d, 4));
  write_json(d.file("cfg2.json"), selfplay_config(d, 2));
  auto ref = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " run " + d.file("cfg4.json") +
                         " --out " + d.file("ref"));
  ASSERT_EQ(ref.code, 0) << ref.out;
  EXPECT_NE(ref.out.find("self-play: buffer seeded with 8 of 8"), std::string::npos) << ref.out;

  const auto rows = read_metrics(d.file("ref"));
  ASSERT_EQ(rows.size(), 4u);
  int64_t proposals = 0, solves = 0;
  for (const json& row : rows) {
    ASSERT_TRUE(row.contains("selfplay")) << row.dump();
    const json& sp = row["selfplay"];
    EXPECT_EQ(sp["buffer"]["size"], 8);
    for (const auto& [kind, p] : sp["propose"].items()) {
      proposals += p["proposals"].get<int64_t>();
      EXPECT_EQ(p["valid"].get<int64_t>() + p["malformed"].get<int64_t>() <=
                    p["proposals"].get<int64_t>(),
                true);
    }
    for (const auto& [kind, s] : sp["solve"].items()) solves += s["samples"].get<int64_t>();
  }
  EXPECT_GT(proposals, 0);
  EXPECT_GT(solves, 0);
  // Proposals are in samples.jsonl with the proposer's reward.
  EXPECT_NE(read_file(d.file("ref/samples.jsonl")).find("-propose-"), std::string::npos);

  // The buffer is in every checkpoint, with the solver's counts on its entries.
  json b4 = buffer_of(d.file("ref"), "step-000004");
  ASSERT_EQ(b4["entries"].size(), 8u);
  uint64_t attempts = 0;
  for (const json& e : b4["entries"]) attempts += e["attempts"].get<uint64_t>();
  EXPECT_GT(attempts, 0u);

  // r1 buffer writes it as a triplet file that a deduction suite reads, one task per entry.
  auto all = run_command(r1_binary() + " buffer --from " + d.file("ref") + " --origin all --out " +
                         d.file("buffer.jsonl"));
  ASSERT_EQ(all.code, 0) << all.out;
  auto tasks =
      run_command(r1_binary() + " tasks deduction --n 0 --input " + d.file("buffer.jsonl"));
  ASSERT_EQ(tasks.code, 0) << tasks.out;
  size_t lines = 0;
  for (size_t at = 0; (at = tasks.out.find("{\"", at)) != std::string::npos; ++at)
    lines += at == 0 || tasks.out[at - 1] == '\n';
  EXPECT_EQ(lines, 8u) << tasks.out;
  EXPECT_NE(tasks.out.find("seed:pyfunc"), std::string::npos) << "provenance rides along";
  auto proposed = run_command(r1_binary() + " buffer --from " + d.file("ref") + "/checkpoints/" +
                              "step-000004");
  ASSERT_EQ(proposed.code, 0) << proposed.out;
  EXPECT_NE(proposed.out.find("r1 buffer: 0 proposed entries"), std::string::npos)
      << proposed.out;  // a fresh tiny model proposes nothing valid
  auto not_selfplay = run_command(r1_binary() + " buffer --from " + d.file("ref/final"));
  EXPECT_NE(not_selfplay.code, 0);
  EXPECT_NE(not_selfplay.out.find("--from"), std::string::npos) << not_selfplay.out;

  // Two steps, then --resume to four: the same buffer and metrics as the straight run.
  auto first = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " run " + d.file("cfg2.json") +
                           " --out " + d.file("resumed"));
  ASSERT_EQ(first.code, 0) << first.out;
  EXPECT_EQ(buffer_of(d.file("resumed"), "step-000002"), buffer_of(d.file("ref"), "step-000002"));
  auto again = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " run " + d.file("cfg4.json") +
                           " --out " + d.file("resumed") + " --resume");
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_EQ(again.out.find("buffer seeded"), std::string::npos) << "a resumed run keeps its buffer";
  EXPECT_EQ(buffer_of(d.file("resumed"), "step-000004"), b4);
  const auto resumed = read_metrics(d.file("resumed"));
  ASSERT_EQ(resumed.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(resumed[i]["selfplay"]["propose"], rows[i]["selfplay"]["propose"]) << i;
    EXPECT_EQ(resumed[i]["reward"], rows[i]["reward"]) << i;
  }
}

TEST(SelfPlayRun, BadSelfPlayConfigsFailBeforeAnyWork) {
  TempDir d("selfplay_bad");
  json cfg = selfplay_config(d, 2);
  cfg["tasks"]["mix"][0]["self_play"]["kinds"] = {"deduction", "guessing"};
  write_json(d.file("a.json"), cfg);
  auto r = run_command(r1_binary() + " run " + d.file("a.json") + " --out " + d.file("a"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("kinds"), std::string::npos) << r.out;
  cfg = selfplay_config(d, 2);
  cfg["tasks"]["mix"][0]["family"] = "arith";
  write_json(d.file("b.json"), cfg);
  r = run_command(r1_binary() + " run " + d.file("b.json") + " --out " + d.file("b"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("exactly one of"), std::string::npos) << r.out;
  cfg = selfplay_config(d, 2);
  cfg["tasks"]["mix"].push_back(cfg["tasks"]["mix"][0]);
  write_json(d.file("c.json"), cfg);
  r = run_command(r1_binary() + " run " + d.file("c.json") + " --out " + d.file("c"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("more than one self_play"), std::string::npos) << r.out;
}
