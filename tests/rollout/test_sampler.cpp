// The token sampler (kernels/cpu/sampling.h, read from configs by rollout/sampler.h): greedy
// decoding, temperature, top-k and top-p, checked against the distributions they promise by
// counting 60,000 draws per case (fixed seeds, so the counts are the same on every run).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "rollout/sampler.h"

namespace r1 {
namespace {

constexpr int kDraws = 60000;

// softmax(logits / t) in double precision.
std::vector<double> softmax(const std::vector<float>& logits, double t) {
  double m = logits[0];
  for (float l : logits) m = std::max(m, static_cast<double>(l));
  std::vector<double> p;
  double total = 0;
  for (float l : logits) {
    p.push_back(std::exp((l - m) / t));
    total += p.back();
  }
  for (double& x : p) x /= total;
  return p;
}

struct Draws {
  std::map<int32_t, int> counts;
  std::map<int32_t, float> logprob;  // the log-probability reported with each token
};

Draws draw(const std::vector<float>& logits, const SamplingParams& spec, uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<std::pair<float, int32_t>> scratch;
  Draws d;
  for (int i = 0; i < kDraws; ++i) {
    float lp = 0;
    int32_t t =
        sample_token(logits.data(), static_cast<int>(logits.size()), spec, rng, &lp, scratch);
    ++d.counts[t];
    d.logprob[t] = lp;
  }
  return d;
}

// Every token's share of the draws is within 5 standard errors of `expected` (0 means never).
void expect_frequencies(const Draws& d, const std::vector<double>& expected) {
  for (size_t v = 0; v < expected.size(); ++v) {
    auto it = d.counts.find(static_cast<int32_t>(v));
    double got = it == d.counts.end() ? 0.0 : static_cast<double>(it->second) / kDraws;
    double p = expected[v];
    if (p == 0) {
      EXPECT_EQ(got, 0.0) << "token " << v << " is outside the allowed set";
      continue;
    }
    double se = std::sqrt(p * (1 - p) / kDraws);
    EXPECT_NEAR(got, p, 5 * se + 1e-12) << "token " << v;
  }
}

const std::vector<float> kLogits = {1.0f, 2.5f, 0.0f, 2.0f, -1.0f, 1.5f};

TEST(Sampler, GreedyTakesTheFirstLargestLogitAndReportsItsLogprob) {
  std::vector<float> logits = {0.5f, 3.0f, -2.0f, 3.0f};
  SamplingParams greedy;
  greedy.temperature = 0;
  Rng rng(1, 0);
  std::vector<std::pair<float, int32_t>> scratch;
  for (int i = 0; i < 10; ++i) {
    float lp = 0;
    EXPECT_EQ(sample_token(logits.data(), 4, greedy, rng, &lp, scratch), 1);
    EXPECT_NEAR(lp, std::log(softmax(logits, 1.0)[1]), 1e-6);
  }
}

TEST(Sampler, TemperatureScalesTheSoftmax) {
  for (double t : {1.0, 0.5, 2.0}) {
    SCOPED_TRACE("temperature " + std::to_string(t));
    SamplingParams spec;
    spec.temperature = t;
    Draws d = draw(kLogits, spec, 7);
    std::vector<double> p = softmax(kLogits, t);
    expect_frequencies(d, p);
    // The reported log-probability is the token's under the temperature-scaled distribution.
    for (const auto& [token, lp] : d.logprob) EXPECT_NEAR(lp, std::log(p[token]), 1e-5);
  }
}

TEST(Sampler, TopKDrawsOnlyFromTheKMostLikelyInProportion) {
  SamplingParams spec;
  spec.top_k = 3;
  Draws d = draw(kLogits, spec, 11);
  // The three largest logits: tokens 1 (2.5), 3 (2.0), 5 (1.5), renormalised.
  std::vector<double> p = softmax(kLogits, 1.0), expected(kLogits.size(), 0.0);
  double kept = p[1] + p[3] + p[5];
  for (int v : {1, 3, 5}) expected[v] = p[v] / kept;
  expect_frequencies(d, expected);
  // The policy's own probability is reported, before truncation.
  for (const auto& [token, lp] : d.logprob) EXPECT_NEAR(lp, std::log(p[token]), 1e-5);
  spec.top_k = 1;  // top-1 is greedy
  Draws one = draw(kLogits, spec, 12);
  EXPECT_EQ(one.counts.size(), 1u);
  EXPECT_EQ(one.counts.begin()->first, 1);
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.5, 0.3, 0.15, 0.05.
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  SamplingParams spec;
  spec.top_p = 0.75;  // 0.5 < 0.75 <= 0.5 + 0.3: two tokens
  expect_frequencies(draw(logits, spec, 21), {0.5 / 0.8, 0.3 / 0.8, 0, 0});
  spec.top_p = 0.9;  // three tokens
  expect_frequencies(draw(logits, spec, 22), {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0});
  spec.top_p = 0.3;  // the most likely token alone
  expect_frequencies(draw(logits, spec, 23), {1, 0, 0, 0});
  // With top-k too, the nucleus is taken within the top-k set: 0.85 of its 0.95 is 0.81,
  // more than 0.5 + 0.3, so three tokens.
  spec.top_p = 0.85;
  spec.top_k = 3;
  expect_frequencies(draw(logits, spec, 24), {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0});
}

TEST(Sampler, TheSameStreamDrawsTheSameTokens) {
  SamplingParams spec;
  spec.temperature = 0.8;
  spec.top_p = 0.95;
  Draws a = draw(kLogits, spec, 5), b = draw(kLogits, spec, 5), c = draw(kLogits, spec, 6);
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_NE(a.counts, c.counts);
}

TEST(Sampler, SettingsFromConfigsAreChecked) {
  SamplingParams ok =
      SamplingParams::from_json({{"temperature", 0.7}, {"top_p", 0.9}, {"top_k", 20}}, "t");
  EXPECT_EQ(ok.top_k, 20);
  EXPECT_THROW(SamplingParams::from_json({{"temperature", -1.0}}, "t"), Error);
  EXPECT_THROW(SamplingParams::from_json({{"top_p", 0.0}}, "t"), Error);
  EXPECT_THROW(SamplingParams::from_json({{"top_k", -3}}, "t"), Error);
  EXPECT_THROW(SamplingParams::from_json({{"temprature", 1.0}}, "t"), Error);
}

}  // namespace
}  // namespace r1
