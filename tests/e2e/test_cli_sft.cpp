// `r1 sft` as users run it: the CI config end to end, then `r1 generate` on its final model;
// config errors exit non-zero before any work.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/common/cli.h"

namespace {

// Commands run from the repository root (tests/common/cli.h).
auto run(const std::string& cmd) { return r1::testing::run_command(cmd); }

std::string r1_bin() {
  return R1_BINARY;
}

class CliSft : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("r1_cli_sft_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

}  // namespace

TEST_F(CliSft, CiConfigThenGenerate) {
  auto sft = run("OMP_NUM_THREADS=1 " + r1_bin() + " sft configs/sft-ci.json --out " + dir_ +
                 " --no-progress");
  ASSERT_EQ(sft.code, 0) << sft.out;
  EXPECT_NE(sft.out.find("final model: " + dir_ + "/final"), std::string::npos) << sft.out;
  for (const char* f : {"config.json", "metrics.jsonl", "final/model.safetensors",
                        "final/config.json", "final/byte_tokenizer.json", "checkpoints/latest"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/" + f)) << f;
  }
  auto gen = run(
      r1_bin() + " generate --model " + dir_ +
      "/final --prompt '<|im_start|>user\nCompute 12+34.<|im_end|>\n<|im_start|>assistant\n<think>'"
      " --temperature 0 --max-new-tokens 48 --json");
  ASSERT_EQ(gen.code, 0) << gen.out;
  // Greedy output of the tiny model after seconds of SFT already uses the output format.
  EXPECT_NE(gen.out.find("</think>"), std::string::npos) << gen.out;
  // Resuming a finished run does no more steps and succeeds.
  auto again = run(r1_bin() + " sft configs/sft-ci.json --out " + dir_ + " --resume --no-progress");
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("0 steps (64..64)"), std::string::npos) << again.out;
  // Without --resume the folder is not overwritten.
  auto clash = run(r1_bin() + " sft configs/sft-ci.json --out " + dir_ + " --no-progress");
  EXPECT_EQ(clash.code, 1);
  EXPECT_NE(clash.out.find("--resume"), std::string::npos) << clash.out;
}

TEST_F(CliSft, BadConfigFailsBeforeAnyWork) {
  std::filesystem::create_directories(dir_);
  const std::string cfg = dir_ + "/bad.json";
  std::ofstream(cfg) << R"({"model": {"model_config": "configs/models/tiny-moe.json"},
    "data": {"generated": {"n": 8, "mix": [{"family": "arith"}]}},
    "train": {"epochs": 1, "batch_sise": 4}})";
  auto r = run(r1_bin() + " sft " + cfg + " --out " + dir_ + "/run");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(cfg), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unknown field 'batch_sise'"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run"));
  auto help = run(r1_bin() + " sft --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--resume"), std::string::npos);
}
