// r1 tokenize, r1 generate --chat and r1 bench tokenizer as users run them (build/r1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "tests/common/cli.h"

namespace r1 {
namespace {

using testing::run_command;

class CliTokenize : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("r1_cli_tok_" + std::to_string(::getpid())))
               .string();
    std::filesystem::create_directories(dir_);
    // A byte tokenizer folder: these tests need no shared data.
    std::ofstream(dir_ + "/byte_tokenizer.json")
        << R"({"type": "byte", "special_tokens": ["<|endoftext|>", "<think>"]})";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `r1 tokenize ARGS` with `input` on stdin; returns the exit code and the stdout lines.
  std::pair<int, std::vector<json>> tokenize(const std::string& args, const std::string& input) {
    std::ofstream(dir_ + "/in.jsonl") << input;
    // run_command adds 2>&1; the subshell keeps stderr (the summary) out of the JSONL.
    auto r = run_command("(" + testing::r1_binary() + " tokenize " + args + " < " + dir_ +
                         "/in.jsonl 2>" + dir_ + "/err.txt)");
    std::vector<json> lines;
    std::istringstream ss(r.out);
    std::string line;
    while (std::getline(ss, line)) lines.push_back(json::parse(line));
    return {r.code, lines};
  }
  std::string dir_;
};

TEST_F(CliTokenize, EncodesAndDecodes) {
  auto [code, out] =
      tokenize("--tokenizer " + dir_, "{\"text\": \"hi<think>\", \"id\": 7}\n\n{\"text\": \"\"}\n");
  ASSERT_EQ(code, 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["id"], 7);
  EXPECT_EQ(out[0]["ids"], json::array({104, 105, 257}));
  EXPECT_EQ(out[1]["ids"], json::array());
  auto [code2, back] =
      tokenize("--tokenizer " + dir_ + " --decode", "{\"ids\": [104, 105, 257]}\n");
  ASSERT_EQ(code2, 0);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0]["text"], "hi<think>");
}

TEST_F(CliTokenize, BadLinesGetErrorLinesAndTheRunGoesOn) {
  auto [code, out] = tokenize(
      "--tokenizer " + dir_, "{\"text\": \"a\"}\nnot json\n{\"txt\": 1}\n[1]\n{\"text\": \"b\"}\n");
  ASSERT_EQ(code, 0);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0]["ids"], json::array({97}));
  EXPECT_EQ(out[1]["line"], 2);
  EXPECT_NE(out[1]["error"].get<std::string>().find("stdin:2: invalid JSON"), std::string::npos)
      << out[1];
  EXPECT_NE(out[2]["error"].get<std::string>().find("stdin:3"), std::string::npos) << out[2];
  EXPECT_NE(out[2]["error"].get<std::string>().find("\"text\""), std::string::npos) << out[2];
  EXPECT_TRUE(out[3].contains("error"));
  EXPECT_EQ(out[4]["ids"], json::array({98}));
  std::ifstream err(dir_ + "/err.txt");
  std::string summary((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(summary.find("5 lines, 3 errors"), std::string::npos) << summary;

  auto [code2, dec] =
      tokenize("--tokenizer " + dir_ + " --decode", "{\"ids\": [1, 99999]}\n{\"ids\": [\"x\"]}\n");
  ASSERT_EQ(code2, 0);
  ASSERT_EQ(dec.size(), 2u);
  EXPECT_NE(dec[0]["error"].get<std::string>().find("ids[1]"), std::string::npos) << dec[0];
  EXPECT_NE(dec[1]["error"].get<std::string>().find("ids[0]"), std::string::npos) << dec[1];
}

// The r1 verify class of defects (issue items 17-18) in r1 tokenize's line loop: a number out
// of range or nesting 100,000 deep is an error line for that line, not the end of the run.
TEST_F(CliTokenize, OutOfRangeNumbersAndDeepNestingAreErrorLines) {
  const std::string deep = "{\"text\": \"x\", \"meta\": " + std::string(100000, '[') + "}";
  auto [code, out] = tokenize("--tokenizer " + dir_,
                              "{\"text\": \"a\", \"n\": 1e999}\n" + deep + "\n{\"text\": \"b\"}\n");
  ASSERT_EQ(code, 0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_NE(out[0]["error"].get<std::string>().find("stdin:1"), std::string::npos) << out[0];
  EXPECT_NE(out[0]["error"].get<std::string>().find("out of range"), std::string::npos) << out[0];
  EXPECT_NE(out[1]["error"].get<std::string>().find("nesting"), std::string::npos) << out[1];
  EXPECT_EQ(out[2]["ids"], json::array({98}));
}

TEST_F(CliTokenize, BadFlagsFailBeforeReading) {
  auto missing = run_command(testing::r1_binary() + " tokenize < /dev/null");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.out.find("--tokenizer"), std::string::npos) << missing.out;
  auto nodir =
      run_command(testing::r1_binary() + " tokenize --tokenizer /nonexistent/tok < /dev/null");
  EXPECT_NE(nodir.code, 0);
  EXPECT_NE(nodir.out.find("/nonexistent/tok"), std::string::npos) << nodir.out;
  auto help = run_command(testing::r1_binary() + " tokenize --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--decode"), std::string::npos);
}

// The golden reference ids come out of the command too (when the shared data is there).
TEST_F(CliTokenize, QwenGoldenLinesThroughTheCommand) {
  std::string tok_dir = testing::repo_root() + "/../shared/data/tokenizers/qwen3";
  if (!std::filesystem::exists(tok_dir + "/golden.jsonl"))
    GTEST_SKIP() << "no " << tok_dir << " (shared data absent)";
  std::ifstream f(tok_dir + "/golden.jsonl");
  std::string line, input;
  std::vector<json> want;
  for (int i = 0; i < 60 && std::getline(f, line); ++i) {
    json j = json::parse(line);
    input += json{{"text", j["text"]}}.dump() + "\n";
    want.push_back(j["ids"]);
  }
  auto [code, out] = tokenize("--tokenizer " + tok_dir, input);
  ASSERT_EQ(code, 0);
  ASSERT_EQ(out.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(out[i]["ids"], want[i]) << "golden line " << i + 1;
}

TEST_F(CliTokenize, GenerateWithChatTemplate) {
  const std::string model = dir_ + "/model";
  auto init =
      run_command(testing::r1_binary() +
                  " init --model-config configs/models/tiny-moe.json --out " + model + " --seed 1");
  ASSERT_EQ(init.code, 0) << init.out;
  auto gen =
      run_command(testing::r1_binary() + " generate --model " + model +
                  " --prompt 'What is 2+2?' --chat --max-new-tokens 4 --temperature 0 --json");
  EXPECT_EQ(gen.code, 0) << gen.out;
  EXPECT_NE(gen.out.find("\"completion\""), std::string::npos) << gen.out;
  auto qwen =
      run_command(testing::r1_binary() + " generate --model " + model +
                  " --prompt hi --chat qwen --system 'Be brief.' --no-thinking --max-new-tokens 2");
  EXPECT_EQ(qwen.code, 0) << qwen.out;
  auto bad = run_command(testing::r1_binary() + " generate --model " + model +
                         " --prompt hi --chat llama");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("llama"), std::string::npos) << bad.out;
  auto nothink = run_command(testing::r1_binary() + " generate --model " + model +
                             " --prompt hi --no-thinking");
  EXPECT_NE(nothink.code, 0);
}

TEST_F(CliTokenize, BenchTokenizerPrintsJson) {
  std::string tok_dir = testing::repo_root() + "/../shared/data/tokenizers/deepseek-v3";
  if (!std::filesystem::exists(tok_dir + "/golden.jsonl"))
    GTEST_SKIP() << "no " << tok_dir << " (shared data absent)";
  auto r = run_command(testing::r1_binary() + " bench tokenizer --tokenizer " + tok_dir +
                       " --seconds 0.05 --threads 2 2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_GT(j["encode_mb_s"].get<double>(), 0);
  EXPECT_GT(j["ratio_encode_to_utf8_decode"].get<double>(), 0);
  EXPECT_EQ(j["texts"], 451);
}

}  // namespace
}  // namespace r1
