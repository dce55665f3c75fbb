// The memory estimates that configs are checked against before anything is allocated: exact for
// the parameters and the KV cache, close for the training activations, never wrapping for absurd
// values; and the check names the field that makes a model too big.
#include <gtest/gtest.h>

#include <cmath>

#include "core/memory_limit.h"
#include "model/kv_cache.h"
#include "model/memory_estimate.h"
#include "model/param_table.h"
#include "tests/common/error_of.h"
#include "tests/common/model_test_util.h"

using namespace r1;
using r1::testing::error_of;

namespace {

std::vector<std::pair<std::string, ModelConfig>> configs() {
  std::vector<std::pair<std::string, ModelConfig>> v = {
      {"tiny-moe", test::tiny_config()},
      {"tiny-gqa", test::tiny_gqa_config()},
      {"small-moe", ModelConfig::load(test::repo_path("configs/models/small-moe.json"))}};
  for (const char* hf : {"qwen2", "qwen3", "qwen3_moe", "deepseek_v3", "deepseek_v3-plain"}) {
    v.emplace_back(hf, ModelConfig::load(
                           test::repo_path(std::string("tests/data/hf/") + hf + "/config.json")));
  }
  return v;
}

}  // namespace

TEST(MemoryEstimate, ParameterCountIsTheTables) {
  for (const auto& [name, c] : configs()) {
    EXPECT_EQ(model_param_count(c), static_cast<double>(ParamTable(c).total())) << name;
  }
  // Layer patterns: dense first blocks, a sparse step, and MLP-only blocks.
  ModelConfig c = test::tiny_gqa_config();
  c.num_hidden_layers = 7;
  c.decoder_sparse_step = 2;
  c.mlp_only_layers = {3, 5};
  c.intermediate_size = 24;
  c.validate("pattern");
  EXPECT_EQ(model_param_count(c), static_cast<double>(ParamTable(c).total()));
}

TEST(MemoryEstimate, KvCacheBytesAreTheCaches) {
  for (const auto& [name, c] : configs()) {
    KVCache<float> cache(c, 3, std::min(17, c.max_position_embeddings));
    EXPECT_EQ(kv_cache_bytes(c, 3, std::min(17, c.max_position_embeddings)),
              static_cast<double>(cache.bytes()))
        << name;
  }
}

// Within 25% of what a training forward and backward actually plan, per token.
TEST(MemoryEstimate, TrainingActivationsAreCloseToTheArena) {
  for (const auto& [name, c] :
       {std::pair<std::string, ModelConfig>{"tiny-moe", test::tiny_config()},
        {"tiny-gqa", test::tiny_gqa_config()}}) {
    Model<float> m(c);
    m.init_weights(1);
    PackedBatch b = test::random_batch({100, 60, 96}, c.vocab_size, 3);
    std::vector<float> lp(b.num_tokens());
    m.forward(b, lp.data());
    const double actual = static_cast<double>(m.activation_bytes()) / b.num_tokens();
    const double estimate = train_activation_bytes(c, b.num_tokens()) / b.num_tokens();
    EXPECT_GT(estimate, 0.75 * actual) << name;
    EXPECT_LT(estimate, 1.25 * actual) << name;
  }
}

// 10^9 x 10^9 is 10^18, not a wrapped (negative or small) number.
TEST(MemoryEstimate, AbsurdValuesDoNotWrap) {
  ModelConfig c = test::tiny_config();
  c.hidden_size = 1000000000;
  c.vocab_size = 1000000000;
  const double p = model_param_count(c);
  EXPECT_TRUE(std::isfinite(p));
  EXPECT_GE(p, 2e18);
  EXPECT_GE(kv_cache_bytes(c, 1e9, 1e9), 1e18);
}

TEST(MemoryEstimate, CheckNamesTheFieldFurthestAboveItsUsualValue) {
  ModelConfig c = test::tiny_config();
  c.num_hidden_layers = 1000000;
  std::string e = error_of([&] {
    check_memory(MemoryEstimate().add(model_weights_part(c, 4, "the weights")), "model.json");
  });
  EXPECT_NE(e.find("model.json: needs about"), std::string::npos) << e;
  EXPECT_NE(e.find("field 'num_hidden_layers' (1000000, usually at most 128)"), std::string::npos)
      << e;
  EXPECT_NE(e.find(memory_limit().source), std::string::npos) << e;
  // A model that fits passes.
  check_memory(MemoryEstimate().add(model_weights_part(test::tiny_config(), 4, "the weights")),
               "tiny");
}

// The model itself refuses a config whose parameters cannot fit, before allocating them.
TEST(MemoryEstimate, ModelRefusesAnAbsurdConfigBeforeAllocating) {
  ModelConfig c = test::tiny_config();
  c.hidden_size = 1000000000;
  std::string e = error_of([&] { Model<float> m(c); });
  EXPECT_NE(e.find("field 'hidden_size'"), std::string::npos) << e;
}

TEST(MemoryLimit, HumanBytes) {
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(3.5 * 1024 * 1024), "3.5 MiB");
  EXPECT_EQ(human_bytes(1536.0 * 1024 * 1024 * 1024 * 1024), "1.5 PiB");
  EXPECT_GT(memory_limit().bytes, 0);
}
