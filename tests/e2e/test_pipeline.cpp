// The README's main command, shortened for CI: r1 pipeline on the tiny model reaches the
// before/after table, and a second invocation finds every stage done and reprints it.
#include <gtest/gtest.h>

#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

TEST(Pipeline, ShortQuickstartReachesTheBeforeAfterTable) {
  TempDir d("pipeline");
  json cfg = json::parse(read_file(repo_root() + "/configs/quickstart-ci.json"));
  json rl = json::parse(read_file(repo_root() + "/configs/ci-tiny.json"));
  rl["learner"]["steps"] = 20;
  cfg["rl"] = rl;
  write_json(d.file("p.json"), cfg);
  auto r = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " pipeline " + d.file("p.json") + " --out " + d.file("out"));
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"## before RL (cold start)", "## after RL", "| arith:level=1:n=40:seed=777 | 40 | 4 |",
                        "difference after - before", "declared target arith:level=1:n=40:seed=777: sampled pass@1 ",
                        "## the RL run (means over the first, middle and last tenth of its steps)",
                        "| steps | sampled accuracy | response tokens | samples that backtrack |"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  for (const char* f : {"sft/final/model.safetensors", "rl/final/model.safetensors", "eval-before.json",
                        "eval-after.json", "summary.md", "rl/metrics.jsonl", "rl-accuracy.svg",
                        "rl-response-length.svg", "rl-reasoning.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(d.file(std::string("out/") + f))) << f;
  }
  // The eval suites are held out of RL's task stream (and of the SFT examples).
  const json rl_config = json::parse(read_file(d.file("out/rl/config.json")));
  EXPECT_EQ(rl_config["tasks"]["holdout"], cfg["eval"]["tasks"]) << rl_config["tasks"].dump();
  auto again = run_command(r1_binary() + " pipeline " + d.file("p.json") + " --out " + d.file("out"));
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("already"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("## after RL"), std::string::npos) << again.out;
}

// A target that is not one of the eval suites is an error before any work, naming the suite.
TEST(Pipeline, TargetOutsideTheEvalSuitesIsAnError) {
  TempDir d("pipeline_target");
  json cfg = json::parse(read_file(repo_root() + "/configs/quickstart-ci.json"));
  cfg["target"] = {{"suite", "arith:level=2:n=40:seed=777"}};
  write_json(d.file("p.json"), cfg);
  auto r = run_command(r1_binary() + " pipeline " + d.file("p.json") + " --out " + d.file("out"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("'arith:level=2:n=40:seed=777' is not one of eval.tasks"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d.file("out/sft"))) << "no work before the error";
}
