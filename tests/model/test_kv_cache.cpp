// KV-cache decode must reproduce the full forward: for a batch of prompts of different lengths,
// prefill then decode token by token, and compare the logits at every position with the packed
// full forward within 1e-4 (float32: both paths run the same ops in a different grouping, so
// they differ only by rounding, ~1e-6).
#include <gtest/gtest.h>

#include <cmath>

#include "model/model.h"
#include "tests/model/model_test_util.h"

using namespace r1;

namespace {

void check_decode_equals_full_forward(const ModelConfig& cfg, const std::string& label) {
  SCOPED_TRACE(label);
  Model<float> m(cfg);
  m.init_weights(11);
  // Larger weights so that logits vary a lot across positions.
  Rng rng(5);
  for (const auto& p : m.table().params()) {
    if (p.init == ParamInfo::Normal) {
      for (size_t i = 0; i < p.numel; ++i) m.params()[p.offset + i] = static_cast<float>(rng.normal() * 0.2);
    }
  }
  const std::vector<int> lengths = {7, 3, 12, 1, 9};
  PackedBatch batch = test::random_batch(lengths, cfg.vocab_size, 21);
  const int N = batch.num_tokens(), V = cfg.vocab_size;
  std::vector<float> lp(N);
  m.forward(batch, lp.data());
  std::vector<float> full(m.logits(), m.logits() + static_cast<size_t>(N) * V);

  KVCache<float> cache(cfg, 8, 32);
  const int S = static_cast<int>(lengths.size());
  std::vector<int> slot(S), prompt(S);
  for (int s = 0; s < S; ++s) {
    slot[s] = cache.acquire();
    prompt[s] = (lengths[s] + 1) / 2;  // prefill half, decode the rest
  }
  std::vector<float> got(static_cast<size_t>(N) * V, NAN);
  // Prefill all prompts in one call, with logits for every prompt token.
  {
    std::vector<Model<float>::CachedSeq> entries;
    for (int s = 0; s < S; ++s) entries.push_back({slot[s], batch.tokens.data() + batch.cu_seqlens[s], prompt[s]});
    int total = 0;
    for (int s = 0; s < S; ++s) total += prompt[s];
    std::vector<float> out(static_cast<size_t>(total) * V);
    m.forward_cached(cache, entries, out.data(), true);
    int r = 0;
    for (int s = 0; s < S; ++s) {
      for (int i = 0; i < prompt[s]; ++i, ++r) {
        std::copy(out.begin() + static_cast<size_t>(r) * V, out.begin() + static_cast<size_t>(r + 1) * V,
                  got.begin() + static_cast<size_t>(batch.cu_seqlens[s] + i) * V);
      }
    }
  }
  // Decode one token per step for every sequence that still has tokens.
  for (int step = 0;; ++step) {
    std::vector<Model<float>::CachedSeq> entries;
    std::vector<int> who;
    for (int s = 0; s < S; ++s) {
      int i = prompt[s] + step;
      if (i < lengths[s]) {
        entries.push_back({slot[s], batch.tokens.data() + batch.cu_seqlens[s] + i, 1});
        who.push_back(s);
      }
    }
    if (entries.empty()) break;
    std::vector<float> out(entries.size() * V);
    m.forward_cached(cache, entries, out.data());
    for (size_t e = 0; e < who.size(); ++e) {
      int s = who[e];
      std::copy(out.begin() + e * V, out.begin() + (e + 1) * V,
                got.begin() + static_cast<size_t>(batch.cu_seqlens[s] + prompt[s] + step) * V);
    }
  }
  double worst = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    ASSERT_FALSE(std::isnan(got[i])) << "position not produced: " << i / V;
    worst = std::max(worst, static_cast<double>(std::fabs(got[i] - full[i])));
  }
  EXPECT_LT(worst, 1e-4);
  std::printf("%s: max |cached - full| logit difference: %.3g\n", label.c_str(), worst);
}

}  // namespace

// tiny-moe caches Multi-head Latent Attention's expanded per-head keys and values.
TEST(KVCache, DecodeEqualsFullForwardAtEveryPosition) {
  check_decode_equals_full_forward(test::tiny_config(), "tiny-moe (MLA)");
  ModelConfig lora = test::tiny_config();
  lora.q_lora_rank = 12;
  lora.rope_interleave = false;
  lora.v_head_dim = 6;
  check_decode_equals_full_forward(lora, "MLA with q_lora_rank, v_head_dim 6");
  check_decode_equals_full_forward(test::tiny_gqa_config(), "GQA with q/k-norm");
}

TEST(KVCache, SlotsCanBeFreedAndRefilled) {
  ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(3);
  KVCache<float> cache(cfg, 2, 16);
  int a = cache.acquire(), b = cache.acquire();
  EXPECT_EQ(cache.acquire(), -1);
  std::vector<int32_t> t1 = {1, 2, 3, 4}, t2 = {9, 8};
  std::vector<float> o1(2 * cfg.vocab_size), o2(cfg.vocab_size), o3(cfg.vocab_size);
  m.forward_cached(cache, {{a, t1.data(), 4}, {b, t2.data(), 2}}, o1.data());
  cache.release(a);
  int c = cache.acquire();
  EXPECT_EQ(c, a);
  EXPECT_EQ(cache.length(c), 0);
  // The refilled slot gives exactly what a fresh cache gives for the same tokens.
  m.forward_cached(cache, {{c, t2.data(), 2}}, o2.data());
  KVCache<float> fresh(cfg, 1, 16);
  int f = fresh.acquire();
  m.forward_cached(fresh, {{f, t2.data(), 2}}, o3.data());
  for (int v = 0; v < cfg.vocab_size; ++v) ASSERT_EQ(o2[v], o3[v]);
  // Overflowing a slot is an error, not a write past the buffer.
  std::vector<int32_t> many(20, 1);
  EXPECT_THROW(m.forward_cached(cache, {{b, many.data(), 20}}, o2.data()), Error);
}
