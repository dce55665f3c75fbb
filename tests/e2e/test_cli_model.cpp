// The model commands as users run them: build/r1 init, generate and bench, including errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/common/cli.h"

namespace {

// Commands run from the repository root (tests/common/cli.h).
auto run(const std::string& cmd) { return r1::testing::run_command(cmd); }

std::string r1_bin() { return R1_BINARY; }
std::string repo(const std::string& rel) { return std::string(R1_SOURCE_DIR) + "/" + rel; }

class CliModel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("r1_cli_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

}  // namespace

TEST_F(CliModel, HelpAndVersion) {
  auto h = run(r1_bin() + " --help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("generate"), std::string::npos);
  auto v = run(r1_bin() + " --version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("r1 "), std::string::npos);
  for (const char* cmd : {"init", "generate", "bench model"}) {
    auto c = run(r1_bin() + " " + cmd + " --help");
    EXPECT_EQ(c.code, 0) << cmd;
    EXPECT_NE(c.out.find("usage: r1"), std::string::npos) << cmd;
  }
}

TEST_F(CliModel, InitThenGenerateIsReproducible) {
  auto init = run(r1_bin() + " init --model-config " + repo("configs/models/tiny-moe.json") + " --out " + dir_ + " --seed 3");
  ASSERT_EQ(init.code, 0) << init.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/model.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/config.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/byte_tokenizer.json"));
  std::string gen = r1_bin() + " generate --model " + dir_ + " --prompt 'Compute 2+2.<think>' --max-new-tokens 16 --json";
  auto a = run(gen + " --seed 5 --samples 3");
  auto b = run(gen + " --seed 5 --samples 3");
  auto c = run(gen + " --seed 6 --samples 3");
  ASSERT_EQ(a.code, 0) << a.out;
  // stderr carries a timing line; compare only the JSON lines.
  auto json_lines = [](const std::string& s) {
    std::string out;
    size_t pos = 0;
    while (pos < s.size()) {
      size_t end = s.find('\n', pos);
      if (end == std::string::npos) end = s.size();
      if (s[pos] == '{') out += s.substr(pos, end - pos) + "\n";
      pos = end + 1;
    }
    return out;
  };
  EXPECT_EQ(json_lines(a.out), json_lines(b.out));
  EXPECT_NE(json_lines(a.out), json_lines(c.out));
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '{'), 3);
}

TEST_F(CliModel, ClearErrors) {
  auto bad_flag = run(r1_bin() + " init --model-config x --out y --bogus 1");
  EXPECT_NE(bad_flag.code, 0);
  EXPECT_NE(bad_flag.out.find("unknown flag --bogus"), std::string::npos) << bad_flag.out;
  auto missing = run(r1_bin() + " generate --model /nonexistent/model --prompt hi");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.out.find("/nonexistent/model"), std::string::npos) << missing.out;
  auto bad_num = run(r1_bin() + " generate --model /x --prompt hi --temperature warm");
  EXPECT_NE(bad_num.code, 0);
  // A fresh model over a folder that holds anything would replace what is there.
  auto first = run(r1_bin() + " init --model-config " + repo("configs/models/tiny-moe.json") +
                   " --out " + dir_);
  ASSERT_EQ(first.code, 0) << first.out;
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string config_before = slurp(dir_ + "/config.json");
  auto again = run(r1_bin() + " init --model-config " + repo("configs/models/tiny-moe.json") +
                   " --out " + dir_ + " --seed 4");
  EXPECT_NE(again.code, 0);
  EXPECT_NE(again.out.find("already exists and is not an empty folder"), std::string::npos)
      << again.out;
  EXPECT_EQ(slurp(dir_ + "/config.json"), config_before);
  // A negative seed wrapped to a huge one.
  for (const std::string cmd : {" init --model-config x --out " + dir_ + "/new --seed -1",
                                " generate --model " + dir_ + " --prompt hi --seed -1"}) {
    auto neg = run(r1_bin() + cmd);
    EXPECT_NE(neg.code, 0) << cmd;
    EXPECT_NE(neg.out.find("--seed must be an integer >= 0, got -1"), std::string::npos) << neg.out;
  }
  auto no_cmd = run(r1_bin() + " frobnicate");
  EXPECT_NE(no_cmd.code, 0);
  EXPECT_NE(no_cmd.out.find("unknown command"), std::string::npos);
}

// Asking for a GPU that is not there is an error naming the flag or field, before any work, in
// every command that takes a device. (On a machine with a GPU, cuda:999 is still missing.)
TEST_F(CliModel, MissingGpuOrUnknownDeviceIsAnErrorNamingTheFlag) {
  auto init = run(r1_bin() + " init --model-config " + repo("configs/models/tiny-moe.json") + " --out " + dir_);
  ASSERT_EQ(init.code, 0) << init.out;
  auto refused = [](const r1::testing::CommandResult& r, const std::string& where) {
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(where), std::string::npos) << r.out;
    const bool says_why = r.out.find("no CUDA GPU") != std::string::npos ||
                          r.out.find("no such GPU") != std::string::npos ||
                          r.out.find("has no CUDA backend") != std::string::npos ||
                          r.out.find("unknown device") != std::string::npos;
    EXPECT_TRUE(says_why) << r.out;
  };
  for (const char* device : {"cuda:999", "tpu", "cuda:-1"}) {
    SCOPED_TRACE(device);
    refused(run(r1_bin() + " generate --model " + dir_ + " --prompt hi --device " + device), "--device");
    refused(run(r1_bin() + " eval --model " + dir_ + " --tasks arith:n=1 --device " + device), "--device");
    refused(run(r1_bin() + " bench model --model-config " + repo("configs/models/tiny-moe.json") +
                " --steps 1 --device " + device),
            "--device");
  }
  // Config files: the model section's "device".
  const r1::json run_cfg = [&] {
    r1::json c = r1::load_json_file(repo("configs/ci-tiny.json"));
    c["model"] = {{"config", "configs/models/tiny-moe.json"}};  // not the SFT result another test makes
    c["model"]["device"] = "cuda:999";
    c["out"] = dir_ + "/run";
    return c;
  }();
  const r1::json sft_cfg = [&] {
    r1::json c = r1::load_json_file(repo("configs/sft-ci.json"));
    c["model"]["device"] = "cuda:999";
    c["out"] = dir_ + "/sft";
    return c;
  }();
  std::ofstream(dir_ + "/run.json") << run_cfg.dump();
  std::ofstream(dir_ + "/sft.json") << sft_cfg.dump();
  refused(run(r1_bin() + " run " + dir_ + "/run.json"), "model.device");
  // Each role of a run can have its own device; each is checked at load.
  for (const char* role : {"learner", "rollout"}) {
    r1::json c = r1::load_json_file(repo("configs/ci-tiny.json"));
    c["model"] = {{"config", "configs/models/tiny-moe.json"}};
    c["out"] = dir_ + "/run";
    c[role]["device"] = "cuda:999";
    std::ofstream(dir_ + "/role.json") << c.dump();
    refused(run(r1_bin() + " run " + dir_ + "/role.json"), std::string(role) + ".device");
  }
  // The pipeline's evaluations too.
  {
    r1::json p = r1::load_json_file(repo("configs/quickstart-ci.json"));
    p["out"] = dir_ + "/pipeline";
    p["sft"] = repo("configs/sft-ci.json");
    p["rl"] = repo("configs/ci-tiny.json");
    p["eval"]["device"] = "cuda:999";
    std::ofstream(dir_ + "/pipeline.json") << p.dump();
    refused(run(r1_bin() + " pipeline " + dir_ + "/pipeline.json"), "eval.device");
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/pipeline/sft")) << "the pipeline started before the device was checked";
  }
  refused(run(r1_bin() + " sft " + dir_ + "/sft.json"), "model.device");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run")) << "the run started before the device was checked";
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/sft")) << "SFT started before the device was checked";
  // cpu is the default and works.
  auto cpu = run(r1_bin() + " generate --model " + dir_ + " --prompt hi --max-new-tokens 2 --device cpu");
  EXPECT_EQ(cpu.code, 0) << cpu.out;
}

// The precision: bf16 exists only on CUDA, and an unknown dtype is refused; each error names the
// flag or field, before any work.
TEST_F(CliModel, Bf16OnTheCpuOrAnUnknownDtypeIsAnErrorNamingIt) {
  auto init = run(r1_bin() + " init --model-config " + repo("configs/models/tiny-moe.json") + " --out " + dir_);
  ASSERT_EQ(init.code, 0) << init.out;
  auto refused = [](const r1::testing::CommandResult& r, const std::string& where, const std::string& why) {
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(where), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
  };
  const std::string gen = r1_bin() + " generate --model " + dir_ + " --prompt hi --max-new-tokens 2";
  refused(run(gen + " --dtype bf16"), "--dtype", "needs a CUDA device");
  refused(run(gen + " --dtype fp16"), "--dtype", "unknown dtype 'fp16'");
  refused(run(r1_bin() + " eval --model " + dir_ + " --tasks arith:n=1 --dtype bf16"), "--dtype", "needs a CUDA device");
  refused(run(r1_bin() + " bench model --model-config " + repo("configs/models/tiny-moe.json") +
              " --steps 1 --dtype bf16"),
          "--dtype", "needs a CUDA device");
  auto fp32 = run(gen + " --dtype fp32");
  EXPECT_EQ(fp32.code, 0) << fp32.out;
  for (const char* dtype : {"bf16", "int8"}) {
    SCOPED_TRACE(dtype);
    const bool unknown = std::string(dtype) == "int8";
    r1::json c = r1::load_json_file(repo("configs/ci-tiny.json"));
    c["model"] = {{"config", "configs/models/tiny-moe.json"}, {"dtype", dtype}};
    c["out"] = dir_ + "/run";
    std::ofstream(dir_ + "/run.json") << c.dump();
    refused(run(r1_bin() + " run " + dir_ + "/run.json"), "dtype'", unknown ? "must be fp32 or bf16" : "needs a CUDA device");
    r1::json s = r1::load_json_file(repo("configs/sft-ci.json"));
    s["model"]["dtype"] = dtype;
    s["out"] = dir_ + "/sft";
    std::ofstream(dir_ + "/sft.json") << s.dump();
    refused(run(r1_bin() + " sft " + dir_ + "/sft.json"), "dtype'", unknown ? "must be fp32 or bf16" : "needs a CUDA device");
  }
  {  // a pipeline's evaluations: eval.dtype alone (the device stays the SFT's, the CPU)
    r1::json p = r1::load_json_file(repo("configs/quickstart-ci.json"));
    p["out"] = dir_ + "/pipeline";
    p["sft"] = repo("configs/sft-ci.json");
    p["rl"] = repo("configs/ci-tiny.json");
    p["eval"]["dtype"] = "bf16";
    std::ofstream(dir_ + "/pipeline.json") << p.dump();
    refused(run(r1_bin() + " pipeline " + dir_ + "/pipeline.json"), "eval.dtype", "needs a CUDA device");
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/pipeline/sft")) << "the pipeline started before the dtype was checked";
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/run")) << "the run started before the dtype was checked";
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/sft")) << "SFT started before the dtype was checked";
}
