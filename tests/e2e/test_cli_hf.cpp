// build/r1 on Hugging Face model folders: a Qwen3 folder with the real Qwen3 tokenizer
// (../shared/data/tokenizers/qwen3; skipped when absent) generates through `r1 generate`, our
// own exports (HF DeepSeek-V3 folders with the byte tokenizer) too, and a folder without any
// tokenizer fails with a message naming the folder.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <string>

#include "core/json.h"
#include "model/checkpoint.h"

#include "tests/common/cli.h"

namespace fs = std::filesystem;

namespace {

// Commands run from the repository root (tests/common/cli.h).
auto run(const std::string& cmd) { return r1::testing::run_command(cmd); }

std::string r1_bin() { return R1_BINARY; }
std::string repo(const std::string& rel) { return std::string(R1_SOURCE_DIR) + "/" + rel; }

class CliHf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("r1_cli_hf_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

}  // namespace

// A tiny random Qwen3 with the real vocabulary and tokenizer, written as transformers would load
// it; "" when ../shared is absent.
std::string make_qwen3_folder(const std::string& dir) {
  const std::string tok = repo("../shared/data/tokenizers/qwen3");
  if (!fs::exists(tok + "/tokenizer.json")) return "";
  r1::ModelConfig c;
  c.model_type = "qwen3";
  c.vocab_size = 151936;
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.head_dim = 8;
  c.qk_norm = true;
  c.intermediate_size = 32;
  c.tie_word_embeddings = true;
  c.max_position_embeddings = 512;
  r1::Model<float> m(c);
  m.init_weights(1);
  const std::string model = dir + "/qwen3";
  r1::save_model(model, m, r1::DType::BF16);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy(tok + "/" + f, model + "/" + f);
  return model;
}

TEST_F(CliHf, GenerateFromQwen3FolderWithItsTokenizer) {
  const std::string model = make_qwen3_folder(dir_);
  if (model.empty()) GTEST_SKIP() << "../shared/data/tokenizers/qwen3 not found";
  auto g = run(r1_bin() + " generate --model " + model + " --prompt 'The answer is' --max-new-tokens 6 --temperature 0 --json");
  ASSERT_EQ(g.code, 0) << g.out;
  const size_t at = g.out.find("{\"");  // stdout's JSON line, among stderr's progress lines
  ASSERT_NE(at, std::string::npos) << g.out;
  r1::json j = r1::parse_json(g.out.substr(at, g.out.find('\n', at) - at), "generate output");
  EXPECT_EQ(j["sample"], 0);
  EXPECT_GT(j["tokens"].get<int>(), 0);
}

// r1 eval on a Hugging Face folder and a real dataset file, with the Qwen chat template.
TEST_F(CliHf, EvalOnQwen3FolderWithGsm8k) {
  const std::string model = make_qwen3_folder(dir_);
  const std::string data = repo("../shared/data/eval/gsm8k-test.jsonl");
  if (model.empty() || !fs::exists(data)) GTEST_SKIP() << "../shared/data (qwen3 tokenizer, gsm8k) not found";
  const std::string report = dir_ + "/gsm8k.json";
  auto e = run(r1_bin() + " eval --model " + model + " --tasks gsm8k:" + data + ":n=3 --samples 2 --max-new-tokens 8" +
               " --chat-template qwen --greedy --no-progress --out " + report);
  ASSERT_EQ(e.code, 0) << e.out;
  r1::json j = r1::load_json_file(report);
  ASSERT_EQ(j["suites"].size(), 1u);
  EXPECT_EQ(j["suites"][0]["tasks"], 3);
  EXPECT_EQ(j["suites"][0]["samples_per_task"], 2);
  EXPECT_NE(e.out.find("| gsm8k:"), std::string::npos) << e.out;  // the markdown table
}

TEST_F(CliHf, GenerateFromOurDeepSeekExport) {
  const std::string model = dir_ + "/small";
  auto init = run(r1_bin() + " init --model-config " + repo("configs/models/tiny-moe.json") + " --out " + model + " --seed 2");
  ASSERT_EQ(init.code, 0) << init.out;
  r1::json cfg = r1::load_json_file(model + "/config.json");
  EXPECT_EQ(cfg["architectures"], r1::json::array({"DeepseekV3ForCausalLM"}));
  auto g = run(r1_bin() + " generate --model " + model + " --prompt hi --max-new-tokens 4 --temperature 0");
  EXPECT_EQ(g.code, 0) << g.out;
}

TEST_F(CliHf, FolderWithoutTokenizerIsNamed) {
  const std::string model = repo("tests/data/hf/deepseek_v3");
  auto g = run(r1_bin() + " generate --model " + model + " --prompt hi --max-new-tokens 2");
  EXPECT_NE(g.code, 0);
  EXPECT_NE(g.out.find("no tokenizer found"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("tests/data/hf/deepseek_v3"), std::string::npos) << g.out;
}
