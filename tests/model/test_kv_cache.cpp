// KV-cache decode must reproduce the full forward: for a batch of prompts of different lengths,
// prefill then decode token by token, and compare the logits at every position with the packed
// full forward within 1e-4 (float32: both paths run the same ops in a different grouping, so
// they differ only by rounding, ~1e-6).
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <optional>

#include "model/model.h"
#include "tests/common/model_test_util.h"

using namespace r1;

namespace {

// packed: decode holds Model::DecodeWeights (its linears read weights packed once); the full
// forward runs beside the hold and must not read them.
void check_decode_equals_full_forward(const ModelConfig& cfg, const std::string& label,
                                      bool packed = false) {
  SCOPED_TRACE(label + (packed ? ", packed decode weights" : ""));
  Model<float> m(cfg);
  m.init_weights(11);
  // Larger weights so that logits vary a lot across positions.
  Rng rng(5);
  for (const auto& p : m.table().params()) {
    if (p.init == ParamInfo::Normal) {
      for (size_t i = 0; i < p.numel; ++i) m.params()[p.offset + i] = static_cast<float>(rng.normal() * 0.2);
    }
  }
  std::optional<Model<float>::DecodeWeights> hold;
  if (packed) hold.emplace(m);
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

// tiny-moe caches Multi-head Latent Attention's latent (kv_b_proj absorbed into the query and the
// output); the full forward expands it into per-head keys and values: the two agree.
TEST(KVCache, DecodeEqualsFullForwardAtEveryPosition) {
  check_decode_equals_full_forward(test::tiny_config(), "tiny-moe (MLA)");
  ModelConfig lora = test::tiny_config();
  lora.q_lora_rank = 12;
  lora.rope_interleave = false;
  lora.v_head_dim = 6;
  check_decode_equals_full_forward(lora, "MLA with q_lora_rank, v_head_dim 6");
  check_decode_equals_full_forward(test::tiny_gqa_config(), "GQA with q/k-norm");
}

// The same with decode's linears on weights packed once (kernels/cpu/linear_packed.h).
TEST(KVCache, PackedDecodeWeightsGiveTheSameLogits) {
  check_decode_equals_full_forward(test::tiny_config(), "tiny-moe (MLA)", true);
  ModelConfig lora = test::tiny_config();
  lora.q_lora_rank = 12;
  lora.v_head_dim = 6;
  check_decode_equals_full_forward(lora, "MLA with q_lora_rank, v_head_dim 6", true);
  ModelConfig gqa = test::tiny_gqa_config();
  gqa.attention_bias = true;
  check_decode_equals_full_forward(gqa, "GQA with q/k-norm and biases", true);
}

// Lanes (Model::forward_cached on the CPU): with several OpenMP threads, a step's entries are
// split into contiguous shares that run the whole model side by side. ctest runs every test on
// one thread, so this test asks for two itself: 13 sequences of mixed prompt lengths (prefill
// with all logits, then decode steps where some sequences sit out) give the same logits, within
// rounding, as on one thread.
TEST(KVCache, LanesGiveTheLogitsOfOneThread) {
  for (const ModelConfig& cfg : {test::tiny_config(), test::tiny_gqa_config()}) {
    Model<float> m(cfg);
    m.init_weights(7);
    const int S = 13, V = cfg.vocab_size;
    auto run = [&](int threads) {
      const int before = omp_get_max_threads();
      omp_set_num_threads(threads);
      KVCache<float> cache(cfg, S, 48);
      std::vector<int> slot(S);
      std::vector<std::vector<int32_t>> toks(S);
      for (int s = 0; s < S; ++s) {
        slot[s] = cache.acquire();
        for (int i = 0; i < 1 + (s * 5) % 11; ++i) toks[s].push_back((s * 31 + i * 7) % V);
      }
      std::vector<float> all;
      std::vector<Model<float>::CachedSeq> entries;
      int n = 0;
      for (int s = 0; s < S; ++s) {
        entries.push_back({slot[s], toks[s].data(), static_cast<int>(toks[s].size())});
        n += static_cast<int>(toks[s].size());
      }
      std::vector<float> out(static_cast<size_t>(n) * V);
      m.forward_cached(cache, entries, out.data(), true);
      all.insert(all.end(), out.begin(), out.end());
      for (int step = 0; step < 6; ++step) {
        entries.clear();
        std::vector<int32_t> next(S);
        for (int s = 0; s < S; ++s) {
          if ((s + step) % 4 == 3) continue;  // sits out this step
          next[s] = (s * 13 + step * 17) % V;
          entries.push_back({slot[s], &next[s], 1});
        }
        std::vector<float> o(entries.size() * V);
        m.forward_cached(cache, entries, o.data());
        all.insert(all.end(), o.begin(), o.end());
      }
      omp_set_num_threads(before);
      return all;
    };
    const std::vector<float> one = run(1), two = run(2);
    ASSERT_EQ(one.size(), two.size());
    double worst = 0;
    for (size_t i = 0; i < one.size(); ++i)
      worst = std::max(worst, double(std::fabs(one[i] - two[i])));
    EXPECT_LT(worst, 1e-5) << cfg.model_type;
  }
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
  // One slot twice in one call is an error (both entries would write its next cache rows).
  EXPECT_THROW(m.forward_cached(cache, {{b, t2.data(), 1}, {b, t2.data() + 1, 1}}, o1.data()),
               Error);
  // Overflowing a slot is an error, not a write past the buffer.
  std::vector<int32_t> many(20, 1);
  EXPECT_THROW(m.forward_cached(cache, {{b, many.data(), 20}}, o2.data()), Error);
}

// The block manager: 10,000 sequences of random lengths come and go through 6 slots of a pool
// smaller than slots x max_len (so blocks must really be recycled), growing in random steps,
// sometimes truncated (rolled back). After each sequence ends, every block it held is back.
TEST(KVCache, BlocksReturnToThePoolAfterTenThousandSequences) {
  ModelConfig cfg = test::tiny_config();
  const int slots = 6, max_len = 64, block = 8;
  const int pool = 4 * (max_len / block);  // room for 4 full-length sequences, not 6
  KVCache<float> cache(cfg, slots, max_len, cpu_backend<float>(), block, pool);
  EXPECT_EQ(cache.total_blocks(), pool);
  EXPECT_EQ(cache.max_blocks(), max_len / block);
  Rng rng(99);
  std::vector<int> target(slots, 0);
  int started = 0, finished = 0, pool_full = 0;
  auto held = [&](int s) {
    int n = 0;
    for (int i = 0; i < cache.max_blocks(); ++i) n += cache.host_block_table()[s * cache.max_blocks() + i] >= 0;
    return n;
  };
  while (finished < 10000) {
    for (int s = 0; s < slots; ++s) {
      if (!cache.in_use(s)) {
        if (started < 10000) {
          const int got = cache.acquire();  // the lowest free slot
          ASSERT_GE(got, 0);
          ASSERT_EQ(cache.length(got), 0);
          ASSERT_EQ(held(got), 0);
          target[got] = 1 + static_cast<int>(rng.uniform() * max_len);
          ++started;
        }
        continue;
      }
      const int len = cache.length(s);
      if (len >= target[s]) {
        cache.release(s);
        ASSERT_EQ(held(s), 0);
        ++finished;
        continue;
      }
      const int next = std::min(target[s], len + 1 + static_cast<int>(rng.uniform() * 20));
      try {
        cache.reserve(s, next);
      } catch (const Error&) {
        ++pool_full;  // the pool is shared: this one waits (or, when nothing else can free, ends)
        if (cache.free_blocks() == 0 && rng.uniform() < 0.5) target[s] = len;
        continue;
      }
      ASSERT_EQ(held(s), (next + block - 1) / block);
      cache.set_length(s, next);
      if (rng.uniform() < 0.05) {
        const int keep = static_cast<int>(rng.uniform() * next);
        cache.truncate(s, keep);
        ASSERT_EQ(held(s), (keep + block - 1) / block);
      }
    }
    // Blocks held by the slots plus free blocks are always the whole pool, each block once.
    std::vector<int> seen(pool, 0);
    int in_use = 0;
    for (int32_t b : cache.host_block_table()) {
      if (b < 0) continue;
      ASSERT_LT(b, pool);
      ASSERT_EQ(seen[b]++, 0) << "block " << b << " is in two places";
      ++in_use;
    }
    ASSERT_EQ(in_use + cache.free_blocks(), pool);
  }
  EXPECT_EQ(cache.free_blocks(), pool);
  EXPECT_EQ(cache.free_slots(), slots);
  EXPECT_GT(pool_full, 0) << "the pool was never exhausted: the test did not exercise sharing";
}

// A slot that grows past max_len, or a pool with no free block, is an error naming the cache.
TEST(KVCache, PoolExhaustionAndOverflowAreErrors) {
  ModelConfig cfg = test::tiny_config();
  KVCache<float> cache(cfg, 2, 16, cpu_backend<float>(), 4, 4);
  const int a = cache.acquire(), b = cache.acquire();
  cache.reserve(a, 16);
  EXPECT_EQ(cache.free_blocks(), 0);
  EXPECT_THROW(cache.reserve(b, 1), Error);
  EXPECT_THROW(cache.reserve(a, 17), Error);
  cache.release(a);
  EXPECT_EQ(cache.free_blocks(), 4);
  EXPECT_NO_THROW(cache.reserve(b, 5));
  // A reserve that cannot be met takes nothing.
  cache.release(b);
  const int c = cache.acquire();
  cache.reserve(c, 8);  // 2 blocks
  const int d = cache.acquire();
  cache.reserve(d, 4);  // 1 block, 1 left
  EXPECT_THROW(cache.reserve(d, 12), Error);
  EXPECT_EQ(cache.free_blocks(), 1);
  EXPECT_NO_THROW(cache.reserve(d, 8));
  EXPECT_EQ(cache.free_blocks(), 0);
  EXPECT_THROW(KVCache<float>(cfg, 2, 16, cpu_backend<float>(), 4, 3), Error);  // not even one sequence
}
