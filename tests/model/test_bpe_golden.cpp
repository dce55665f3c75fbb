// BpeTokenizer against the reference: ../shared/data/tokenizers/{qwen3,deepseek-v3}/golden.jsonl
// hold text, the ids that Hugging Face `tokenizers` gives, and its decode of those ids.
#include <gtest/gtest.h>

#include <fstream>

#include "core/json.h"
#include "tokenizer_test_util.h"

namespace r1 {
namespace {

struct GoldenResult {
  int lines = 0, encode_ok = 0, decode_ok = 0;
};

GoldenResult check_golden(const BpeTokenizer& tok, const std::string& path) {
  GoldenResult res;
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    ++res.lines;
    json j = json::parse(line);
    const std::string text = j.at("text");
    const auto want = j.at("ids").get<std::vector<int32_t>>();
    auto got = tok.encode(text);
    if (got == want) {
      ++res.encode_ok;
    } else {
      ADD_FAILURE() << path << " line " << res.lines << ": encode differs for " << json(text).dump()
                    << "\n  want " << json(want).dump() << "\n  got  " << json(got).dump();
    }
    std::string decoded = tok.decode(want);
    if (decoded == j.at("decoded").get<std::string>()) {
      ++res.decode_ok;
    } else {
      ADD_FAILURE() << path << " line " << res.lines
                    << ": decode differs: " << json(decoded).dump();
    }
  }
  return res;
}

void run_golden(const char* name, const BpeTokenizer& tok) {
  std::string path = testing::shared_tokenizer_dir(name) + "/golden.jsonl";
  GoldenResult r = check_golden(tok, path);
  EXPECT_GT(r.lines, 400) << path;
  EXPECT_EQ(r.encode_ok, r.lines);
  EXPECT_EQ(r.decode_ok, r.lines);
  std::printf("[ golden   ] %s: %d lines, %d encode exactly, %d decode exactly\n", name, r.lines,
              r.encode_ok, r.decode_ok);
}

TEST(BpeGolden, Qwen3) {
  R1_REQUIRE_SHARED_TOKENIZER(tok, "qwen3");
  run_golden("qwen3", *tok);
}

TEST(BpeGolden, DeepseekV3) {
  R1_REQUIRE_SHARED_TOKENIZER(tok, "deepseek-v3");
  run_golden("deepseek-v3", *tok);
}

}  // namespace
}  // namespace r1
