// `r1 run` and `r1 worker` refuse bad input before any work starts, with a message naming it.
#include <gtest/gtest.h>

#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

namespace {

CommandResult run_with(const TempDir& d, const json& cfg, const std::string& extra = "") {
  write_json(d.file("cfg.json"), cfg);
  return run_command(r1_binary() + " run " + d.file("cfg.json") + " --out " + d.file("run") + " " + extra);
}

}  // namespace

TEST(CliRun, BadFieldsAreNamedAndNothingIsWritten) {
  TempDir d("cli_run_bad");
  struct Case {
    json patch;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{{"learner", {{"batch_grups", 4}}}}, "unknown field 'batch_grups'"},
      {{{"rollout", {{"group_size", 1}}}}, "field 'group_size': must be >= 2"},
      {{{"rollout", {{"temperature", "hot"}}}}, "field 'temperature': expected a number"},
      {{{"learner", {{"grpo", {{"loss_agg", "sum"}}}}}}, "loss_agg"},
      {{{"reward",
         {{"components", {{"correctness", {{"verifier", "telepathy"}, {"weight", 1.0}}}}}}}},
       "unknown verifier 'telepathy'"},
      {{{"tasks", {{"mix", {{{"family", "alchemy"}}}}}}}, "alchemy"},
      {{{"transport", {{"tasks", "carrier-pigeon://x"}}}},
       "not an inproc://, ipc:// or tcp:// endpoint"},
      {{{"model", {{"init", "/nonexistent/ckpt"}}}}, "/nonexistent/ckpt"},
      {{{"tasks", {{"curriculum", {{"start_levels", {{"arthm", 2}}}}}}}},
       "field 'start_levels': 'arthm' is no family the curriculum drives"},
      {{{"rollout", {{"share_weights", "yes"}}}}, "field 'share_weights': must be auto, on or off"},
      {{{"rollout", {{"share_weights", "on"}}}, {"transport", tcp_transport()}},
       "field 'rollout.share_weights' is \"on\", but the weights channel is tcp://"},
  };
  for (const auto& c : cases) {
    auto r = run_with(d, ci_config(c.patch));
    EXPECT_NE(r.code, 0) << c.patch.dump();
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in:\n" << r.out;
    EXPECT_NE(r.out.find("cfg.json"), std::string::npos) << "names the file:\n" << r.out;
    EXPECT_FALSE(std::filesystem::exists(d.file("run/metrics.jsonl"))) << c.patch.dump();
  }
}

// A model folder (r1 init's, a run's final/) given as a run's --out is refused before anything
// is written: the run's config.json would replace the model's.
TEST(CliRun, AModelFolderIsNoRunFolder) {
  TempDir d("cli_run_model_out");
  auto init = run_command(r1_binary() + " init --model-config " + std::string(R1_SOURCE_DIR) +
                          "/configs/models/tiny-moe.json --out " + d.file("m"));
  ASSERT_EQ(init.code, 0) << init.out;
  const std::string before = read_file(d.file("m/config.json"));
  auto r = run_with(d, ci_config({{"learner", {{"steps", 1}}}}), "--out " + d.file("m"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find(d.file("m") + ": holds a model (model.safetensors), not a run"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(read_file(d.file("m/config.json")), before);
  EXPECT_FALSE(std::filesystem::exists(d.file("m/metrics.jsonl")));
}

// A run config's "verifier_plugins" are loaded where the run starts (run/run_config.h), so
// its reward can name their verifiers; without the plugin, the same name is an unknown verifier.
TEST(CliRun, VerifierPluginsLoadWhereTheRunStarts) {
  TempDir d("cli_run_plugin");
  const json caseless = {
      {"reward", {{"components", {{"correctness", {{"verifier", "caseless"}, {"weight", 1.0}}}}}}},
      {"learner", {{"steps", 1}, {"batch_groups", 2}}}};
  json cfg = ci_config(caseless);
  cfg["verifier_plugins"] = {R1_EXAMPLE_PLUGIN};
  auto r = run_with(d, cfg);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(read_metrics(d.file("run")).size(), 1u) << r.out;
  auto without = run_with(d, ci_config(caseless), "--out " + d.file("run2"));
  EXPECT_NE(without.code, 0);
  EXPECT_NE(without.out.find("unknown verifier 'caseless'"), std::string::npos) << without.out;
}

// Values that pass each section's own checks but could never make a step (every task rejected
// by the workers, a batch that can never be gathered, more threads than a process can start, a
// step count that wraps) are refused up front, naming the file and the field. `timeout` turns a
// run that would wait forever into a failure.
TEST(CliRun, LimitsThatWouldStallTheRunAreNamed) {
  TempDir d("cli_run_limits");
  struct Case {
    json patch;
    std::string expect, extra;
  };
  std::vector<Case> cases = {
      {{{"rollout", {{"group_size", 5000}}}}, "field 'group_size': must be <= 1364"},
      {{{"rollout", {{"group_size", 2000}}}}, "field 'group_size': must be <= 1364"},
      {{{"learner", {{"batch_groups", 1000000000}}}}, "batch_groups"},
      {{{"learner", {{"max_staleness", 1}, {"prefetch_groups", 1000000000}}}}, "prefetch_groups"},
      {{{"learner", {{"iterations", 1000000000}}}}, "field 'iterations'"},
      {{{"rollout", {{"threads", 1000000}}}}, "field 'threads'"},
      {{{"reward_service", {{"threads", 1000000}}}}, "field 'threads'"},
      {{{"learner", {{"threads", 1000000}}}}, "field 'threads'"},
      {{{"rollout", {{"workers", 100000}}}}, "workers"},
      {{{"learner", {{"steps", 2}}}}, "--steps", "--steps 4294967297"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string out = d.file(cat("run", i));
    write_json(d.file("cfg.json"), ci_config(c.patch));
    auto r = run_command("timeout -s KILL 30 " + r1_binary() + " run " + d.file("cfg.json") + " --out " + out + " " +
                         c.extra);
    EXPECT_NE(r.code, 0) << c.patch.dump();
    EXPECT_NE(r.code, 137) << "still running after 30 s: " << c.patch.dump() << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in:\n" << r.out;
    if (c.extra.empty()) EXPECT_NE(r.out.find("cfg.json"), std::string::npos) << "names the file:\n" << r.out;
    EXPECT_FALSE(std::filesystem::exists(out + "/metrics.jsonl")) << c.patch.dump();
  }
}

TEST(CliRun, ExistingRunNeedsResumeAndResumeNeedsMatchingModel) {
  TempDir d("cli_run_resume");
  auto first = run_with(d, ci_config({{"learner", {{"steps", 2}}}}));
  ASSERT_EQ(first.code, 0) << first.out;
  auto again = run_with(d, ci_config({{"learner", {{"steps", 2}}}}));
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.out.find("--resume"), std::string::npos) << again.out;
  // A fresh model of another architecture cannot resume these checkpoints.
  json other = ci_config({{"learner", {{"steps", 4}}}});
  other["model"] = {{"config", repo_root() + "/configs/models/small-moe.json"}};
  auto mismatch = run_with(d, other, "--resume");
  EXPECT_NE(mismatch.code, 0);
  EXPECT_NE(mismatch.out.find("hidden_size"), std::string::npos) << mismatch.out;
}

TEST(CliRun, UnreachableEndpointIsAClearError) {
  TempDir d("cli_run_unreachable");
  json cfg = ci_config({{"transport", tcp_transport()}});
  write_json(d.file("cfg.json"), cfg);
  auto r = run_command(r1_binary() + " worker --role rollout --config " + d.file("cfg.json") + " --wait 1");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("cannot reach the tasks channel at " + cfg["transport"]["tasks"].get<std::string>()),
            std::string::npos)
      << r.out;
  write_json(d.file("inproc.json"), ci_config());
  auto inproc = run_command(r1_binary() + " worker --role rollout --config " + d.file("inproc.json"));
  EXPECT_NE(inproc.code, 0);
  EXPECT_NE(inproc.out.find("inproc://"), std::string::npos) << inproc.out;
}
