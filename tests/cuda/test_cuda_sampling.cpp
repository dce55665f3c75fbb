// The device sampler (kernels/cuda/sampling.cu) against the distributions the CPU sampler
// promises: temperature, top-k, top-p and both, by counting one draw from each of 40,000 rows of
// the same logits (each row its own generator), and on rows of a real vocabulary's size, where
// every token drawn must lie in the CPU sampler's kept set. Skips without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "kernels/cuda/backend_cuda.h"
#include "kernels/cuda/device.h"

using namespace r1;

namespace {

#define REQUIRE_GPU()                                                             \
  do {                                                                            \
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine"; \
  } while (0)

struct Drawn {
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
};

// One token from each of R copies of `row` (or R rows of `rows`), row r drawing from Rng(seed, r).
Drawn sample(const std::vector<float>& rows, int R, int V, const cpu::SamplingSpec& spec,
             uint64_t seed, std::vector<Rng>* rngs_out = nullptr) {
  const Backend<float>& be = cuda::cuda_backend(0);
  std::vector<float> host(static_cast<size_t>(R) * V);
  for (int r = 0; r < R; ++r)
    std::copy(
        rows.begin() + (rows.size() == static_cast<size_t>(V) ? 0 : static_cast<size_t>(r) * V),
        rows.begin() + (rows.size() == static_cast<size_t>(V) ? V : static_cast<size_t>(r + 1) * V),
        host.begin() + static_cast<size_t>(r) * V);
  DeviceBuffer<float> logits(be.mem);
  logits.resize(host.size());
  logits.upload(host.data(), 0, host.size());
  std::vector<Rng> rngs;
  for (int r = 0; r < R; ++r) rngs.emplace_back(seed, r);
  std::vector<Rng*> ptrs;
  for (auto& g : rngs) ptrs.push_back(&g);
  Drawn d;
  d.tokens.assign(R, -1);
  d.logprobs.assign(R, 0.f);
  be.ops.sample_rows(d.tokens.data(), d.logprobs.data(), logits.data(), R, V, spec, ptrs.data());
  if (rngs_out) *rngs_out = rngs;
  return d;
}

// softmax(logits / t), truncated to `kept` (all when empty) and renormalised.
std::vector<double> expected(const std::vector<float>& logits, double t,
                             const std::vector<int>& kept = {}) {
  double m = *std::max_element(logits.begin(), logits.end()), total = 0;
  std::vector<double> p;
  for (float x : logits) p.push_back(std::exp((x - m) / t));
  std::vector<double> out(p.size(), 0.0);
  for (size_t v = 0; v < p.size(); ++v)
    if (kept.empty() || std::find(kept.begin(), kept.end(), static_cast<int>(v)) != kept.end())
      total += p[v];
  for (size_t v = 0; v < p.size(); ++v)
    if (kept.empty() || std::find(kept.begin(), kept.end(), static_cast<int>(v)) != kept.end())
      out[v] = p[v] / total;
  return out;
}

// Each token's share within 5 standard errors of p (0: never drawn); the reported log-probability
// is the token's under the temperature-scaled softmax, before truncation.
void expect_distribution(const Drawn& d, const std::vector<double>& p,
                         const std::vector<float>& logits, double t) {
  std::map<int32_t, int> counts;
  for (int32_t x : d.tokens) ++counts[x];
  const double n = static_cast<double>(d.tokens.size());
  for (size_t v = 0; v < p.size(); ++v) {
    const double got =
        counts.count(static_cast<int32_t>(v)) ? counts[static_cast<int32_t>(v)] / n : 0.0;
    if (p[v] == 0) {
      EXPECT_EQ(got, 0.0) << "token " << v << " is outside the kept set";
      continue;
    }
    EXPECT_NEAR(got, p[v], 5 * std::sqrt(p[v] * (1 - p[v]) / n) + 1e-12) << "token " << v;
  }
  const std::vector<double> full = expected(logits, t);
  for (size_t i = 0; i < d.tokens.size(); i += 97) {
    ASSERT_GE(d.tokens[i], 0);
    ASSERT_LT(d.tokens[i], static_cast<int32_t>(p.size()));
    EXPECT_NEAR(d.logprobs[i], std::log(full[d.tokens[i]]), 1e-4);
  }
}

constexpr int kRows = 40000;

}  // namespace

TEST(CudaSampling, TemperatureTopKAndTopPGiveTheCpuSamplersDistributions) {
  REQUIRE_GPU();
  const std::vector<float> logits = {1.0f, 2.5f, 0.0f, 2.0f, -1.0f, 1.5f};
  cpu::SamplingSpec spec;
  for (double t : {1.0, 0.7}) {
    SCOPED_TRACE(testing::Message() << "temperature " << t);
    spec.temperature = t;
    expect_distribution(sample(logits, kRows, 6, spec, 1), expected(logits, t), logits, t);
  }
  spec.temperature = 1.0;
  spec.top_k = 3;  // tokens 1, 3, 5
  expect_distribution(sample(logits, kRows, 6, spec, 2), expected(logits, 1.0, {1, 3, 5}), logits,
                      1.0);
  // Probabilities 0.5, 0.3, 0.15, 0.05.
  const std::vector<float> p4 = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  spec.top_k = 0;
  spec.top_p = 0.75;  // two tokens
  expect_distribution(sample(p4, kRows, 4, spec, 3), expected(p4, 1.0, {0, 1}), p4, 1.0);
  spec.top_p = 0.85;
  spec.top_k = 3;  // the nucleus within the top 3: 0.85 of 0.95 needs three
  expect_distribution(sample(p4, kRows, 4, spec, 4), expected(p4, 1.0, {0, 1, 2}), p4, 1.0);
}

// A row of 3,000 tokens, so each of the block's threads walks a chunk of several: six likely
// tokens spread over the row (in different chunks, one at each end) among many unlikely ones,
// and a masked stretch (-inf) that must never be drawn. The unlikely tokens are counted together.
TEST(CudaSampling, ChunksOfAWideRowGiveTheDistribution) {
  REQUIRE_GPU();
  const int V = 3000;
  std::vector<float> logits(V, -4.f);
  for (int v = 1000; v < 1500; ++v) logits[v] = -INFINITY;
  const std::vector<int> heavy = {0, 5, 700, 1500, 2400, 2999};
  for (size_t i = 0; i < heavy.size(); ++i) logits[heavy[i]] = 2.f + 0.3f * static_cast<float>(i);
  for (double t : {1.0, 0.8}) {
    SCOPED_TRACE(testing::Message() << "temperature " << t);
    cpu::SamplingSpec spec;
    spec.temperature = t;
    const Drawn d = sample(logits, kRows, V, spec, 31);
    double m = 2.f + 0.3 * 5, total = 0;
    std::vector<double> p(V);
    for (int v = 0; v < V; ++v)
      total += p[v] = std::isfinite(logits[v]) ? std::exp((logits[v] - m) / t) : 0.0;
    std::map<int32_t, int> counts;
    int light = 0;
    for (int32_t x : d.tokens) {
      ASSERT_TRUE(x >= 0 && x < V && std::isfinite(logits[x])) << "drew token " << x;
      if (logits[x] > 0)
        ++counts[x];
      else
        ++light;
    }
    double light_p = 0;
    for (int v = 0; v < V; ++v)
      if (std::isfinite(logits[v]) && logits[v] < 0) light_p += p[v] / total;
    const double n = kRows;
    for (int v : heavy) {
      const double q = p[v] / total;
      EXPECT_NEAR(counts[v] / n, q, 5 * std::sqrt(q * (1 - q) / n)) << "token " << v;
    }
    EXPECT_NEAR(light / n, light_p, 5 * std::sqrt(light_p * (1 - light_p) / n))
        << "the unlikely tokens together";
  }
}

TEST(CudaSampling, EachRowsGeneratorAdvancesByOneDrawAsOnTheCpu) {
  REQUIRE_GPU();
  cpu::SamplingSpec spec;
  spec.temperature = 0.8;
  std::vector<Rng> after;
  sample({0.f, 1.f, 2.f}, 8, 3, spec, 7, &after);
  for (int r = 0; r < 8; ++r) {
    Rng want(7, r);
    want.uniform();
    EXPECT_EQ(after[r].next_u64(), want.next_u64()) << "row " << r;
  }
}

// A vocabulary of Qwen3's size, top-k 50 and top-p 0.9: every token drawn is among the CPU
// sampler's kept tokens (the 50 largest, then the head reaching 0.9 of their mass).
TEST(CudaSampling, LargeVocabularyDrawsStayInTheKeptSet) {
  REQUIRE_GPU();
  const int V = 151936, R = 64;
  std::vector<float> rows(static_cast<size_t>(R) * V);
  Rng g(3);
  for (auto& x : rows) x = static_cast<float>(g.normal() * 3.0);
  cpu::SamplingSpec spec;
  spec.temperature = 0.9;
  spec.top_k = 50;
  spec.top_p = 0.9;
  const Drawn d = sample(rows, R, V, spec, 11);
  for (int r = 0; r < R; ++r) {
    const float* x = rows.data() + static_cast<size_t>(r) * V;
    std::vector<int> order(V);
    for (int v = 0; v < V; ++v) order[v] = v;
    std::partial_sort(order.begin(), order.begin() + 50, order.end(),
                      [&](int a, int b) { return x[a] > x[b]; });
    const double m = x[order[0]];
    double top = 0, total = 0, acc = 0;
    for (int v = 0; v < V; ++v) total += std::exp((x[v] - m) / 0.9);
    for (int i = 0; i < 50; ++i) top += std::exp((x[order[i]] - m) / 0.9);
    int keep = 50;
    for (int i = 0; i < 50; ++i) {
      acc += std::exp((x[order[i]] - m) / 0.9);
      if (acc >= 0.9 * top) {
        keep = i + 1;
        break;
      }
    }
    const int t = d.tokens[r];
    EXPECT_NE(std::find(order.begin(), order.begin() + keep, t), order.begin() + keep)
        << "row " << r;
    EXPECT_NEAR(d.logprobs[r], (x[t] - m) / 0.9 - std::log(total), 1e-3) << "row " << r;
  }
}
