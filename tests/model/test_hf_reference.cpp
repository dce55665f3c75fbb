// r1.cpp against PyTorch + transformers on tiny random models of every supported architecture
// (tests/data/hf/<name>/, made by tools/make_hf_reference.py): the folder loads as written by
// transformers, logits and per-token log-probs match the reference within 1e-4 (absolute,
// float32; both compute in float32 and differ by summation order, ~1e-6), the KV-cache path
// gives the same logits, and greedy decoding picks the same 20 tokens (the script only keeps
// models whose greedy choices win by > 1e-3, so rounding cannot flip them).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "model/checkpoint.h"
#include "model/weight_source.h"
#include "tests/model/hf_test_util.h"

using namespace r1;

namespace {

struct Case {
  std::string name, model_type;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class HfReference : public ::testing::TestWithParam<Case> {};

std::vector<int32_t> greedy_tokens(Model<float>& m, const std::vector<int32_t>& prompt, int n) {
  const int V = m.config().vocab_size;
  KVCache<float> cache(m.config(), 1, static_cast<int>(prompt.size()) + n);
  const int slot = cache.acquire();
  std::vector<float> logits(V);
  std::vector<int32_t> out;
  m.forward_cached(cache, {{slot, prompt.data(), static_cast<int>(prompt.size())}}, logits.data());
  for (int i = 0; i < n; ++i) {
    int32_t best = 0;
    for (int v = 1; v < V; ++v) best = logits[v] > logits[best] ? v : best;
    out.push_back(best);
    if (i + 1 < n) m.forward_cached(cache, {{slot, &out.back(), 1}}, logits.data());
  }
  return out;
}

}  // namespace

TEST_P(HfReference, LogitsLogprobsAndGreedyMatchTransformers) {
  const Case& c = GetParam();
  const std::string dir = test::hf_dir(c.name);
  auto m = load_model(dir);
  ASSERT_EQ(m->config().model_type, c.model_type);
  const json ref = load_json_file(join_path(dir, "reference.json"));
  SafetensorsFile want(join_path(dir, "reference.safetensors"));
  const auto seqs = test::reference_sequences(ref);
  const int V = m->config().vocab_size;

  std::vector<float> lp;
  const auto logits = test::our_logits(*m, seqs, &lp);
  double worst_logit = 0, worst_lp = 0, worst_cached = 0;
  int t0 = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const int T = static_cast<int>(seqs[i].size());
    std::vector<float> ref_logits(static_cast<size_t>(T) * V), ref_lp(T - 1);
    want.read_f32(cat("logits.", i), {T, V}, ref_logits.data());
    worst_logit = std::max(worst_logit, test::max_abs_diff(logits[i], ref_logits.data()));
    want.read_f32(cat("logprobs.", i), {T - 1}, ref_lp.data());
    for (int t = 0; t + 1 < T; ++t) worst_lp = std::max(worst_lp, static_cast<double>(std::fabs(lp[t0 + t] - ref_lp[t])));
    // The inference path: prefill the whole sequence into a KV cache, logits for every token.
    KVCache<float> cache(m->config(), 1, T);
    const int slot = cache.acquire();
    std::vector<float> cached(static_cast<size_t>(T) * V);
    m->forward_cached(cache, {{slot, seqs[i].data(), T}}, cached.data(), true);
    worst_cached = std::max(worst_cached, test::max_abs_diff(cached, ref_logits.data()));
    t0 += T;
  }
  EXPECT_LT(worst_logit, 1e-4);
  EXPECT_LT(worst_lp, 1e-4);
  EXPECT_LT(worst_cached, 1e-4);

  const auto& g = ref.at("greedy");
  const auto want_tokens = g.at("tokens").get<std::vector<int32_t>>();
  const auto got = greedy_tokens(*m, g.at("prompt").get<std::vector<int32_t>>(), static_cast<int>(want_tokens.size()));
  EXPECT_EQ(got, want_tokens);
  std::printf("%s (%s): max |logit diff| %.3g, |logprob diff| %.3g, cached %.3g; greedy %zu/%zu tokens equal\n",
              c.name.c_str(), m->config().architecture().c_str(), worst_logit, worst_lp, worst_cached,
              static_cast<size_t>(std::equal(got.begin(), got.end(), want_tokens.begin()) ? got.size() : 0),
              want_tokens.size());
}

INSTANTIATE_TEST_SUITE_P(Architectures, HfReference,
                         ::testing::Values(Case{"qwen2", "qwen2"}, Case{"qwen3", "qwen3"},
                                           Case{"qwen3_moe", "qwen3_moe"}, Case{"deepseek_v3", "deepseek_v3"},
                                           Case{"deepseek_v3-plain", "deepseek_v3"}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return n;
                         });

// The dumps exercise the loader's variants: shards with an index (qwen2), BF16 weights (qwen3),
// transformers 5's config spelling (rope_parameters, dtype) everywhere.
TEST(HfReference, DumpsCoverShardsAndBf16) {
  WeightSource sharded(test::hf_dir("qwen2"));
  EXPECT_NE(sharded.description().find("model.safetensors.index.json"), std::string::npos);
  EXPECT_NE(sharded.file_of("model.norm.weight"), sharded.file_of("model.embed_tokens.weight"));
  WeightSource bf16(test::hf_dir("qwen3"));
  EXPECT_EQ(bf16.find("model.layers.0.self_attn.q_proj.weight")->dtype, DType::BF16);
  const json cfg = load_json_file(join_path(test::hf_dir("deepseek_v3"), "config.json"));
  EXPECT_TRUE(cfg.contains("rope_parameters"));
}
