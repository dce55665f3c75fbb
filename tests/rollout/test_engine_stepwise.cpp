// The engine's step-wise API (rollout/engine.h: submit + step), which `r1 serve` drives:
// sequences join the running batch between forward calls, each with its own sampling settings,
// and still sample exactly what they sample alone; a sequence cancelled from its token callback
// frees its slot at once; top_logprobs agree with the sampled token's own log-probability.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "model/byte_tokenizer.h"
#include "model/config.h"
#include "model/model.h"
#include "rollout/engine.h"

using namespace r1;

namespace {

std::unique_ptr<Model<float>> tiny_model() {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  auto model = std::make_unique<Model<float>>(c);
  model->init_weights(5);
  return model;
}

SamplingParams sampled(double t = 1.0, int top_k = 40) {
  SamplingParams s;
  s.temperature = t;
  s.top_k = top_k;
  return s;
}

// One request alone through generate().
GenerationResult alone(Model<float>& model, const GenerationRequest& r, const SamplingParams& sp) {
  GenerationEngine gen(model, 1, 96);
  GenerationOptions opt;
  opt.sampling = sp;
  return gen.generate({r}, opt)[0];
}

struct Collected {
  std::vector<GenerationResult> done;
  std::vector<std::vector<TokenEvent>> events;
};

SequenceRequest collect(const GenerationRequest& r, const SamplingParams& sp, Collected& c,
                        size_t i) {
  if (c.done.size() <= i) {
    c.done.resize(i + 1);
    c.events.resize(i + 1);
  }
  SequenceRequest s;
  s.request = r;
  s.sampling = sp;
  s.on_token = [&c, i](const TokenEvent& e) {
    c.events[i].push_back(e);
    return true;
  };
  s.on_done = [&c, i](GenerationResult&& res) { c.done[i] = std::move(res); };
  return s;
}

}  // namespace

TEST(GeneratorStepwise, LateArrivalsWithTheirOwnSettingsSampleWhatTheySampleAlone) {
  auto owned = tiny_model();
  Model<float>& model = *owned;
  const GenerationRequest a{{1, 2, 3, 4, 5}, 30, 4, 0};
  const GenerationRequest b{{7, 8}, 20, 4, 1};
  const GenerationRequest c{{11, 12, 13, 14}, 25, 8, 2};
  const SamplingParams greedy = sampled(0, 0);
  const SamplingParams hot = sampled(1.0, 40);
  const SamplingParams warm = sampled(0.7, 0);

  GenerationEngine gen(model, 2, 96);
  GenerationOptions shared;
  shared.prefill_chunk = 3;  // prompts go in over several calls, beside decode steps
  gen.set_shared_options(shared);
  Collected got;
  gen.submit(collect(a, hot, got, 0));
  for (int i = 0; i < 5; ++i) gen.step();  // a is decoding when b and c arrive
  EXPECT_EQ(gen.running(), 1u);
  gen.submit(collect(b, greedy, got, 1));
  gen.submit(collect(c, warm, got, 2));  // waits for a free slot
  gen.step();
  EXPECT_EQ(gen.running(), 2u);
  EXPECT_EQ(gen.waiting(), 1u);
  int steps = 0;
  while (!gen.idle() && steps++ < 1000) gen.step();
  ASSERT_TRUE(gen.idle());

  const std::pair<GenerationRequest, SamplingParams> cases[] = {{a, hot}, {b, greedy}, {c, warm}};
  for (size_t i = 0; i < 3; ++i) {
    const GenerationResult ref = alone(model, cases[i].first, cases[i].second);
    ASSERT_FALSE(ref.tokens.empty());
    EXPECT_EQ(got.done[i].tokens, ref.tokens) << "request " << i;
    EXPECT_EQ(got.done[i].finish_reason, ref.finish_reason) << "request " << i;
    ASSERT_EQ(got.events[i].size(), ref.tokens.size()) << "one event per token, request " << i;
    for (size_t t = 0; t < ref.tokens.size(); ++t) {
      EXPECT_EQ(got.events[i][t].token, ref.tokens[t]);
      EXPECT_NEAR(got.events[i][t].logprob, ref.logprobs[t], 1e-4);
    }
  }
}

TEST(GeneratorStepwise, ASequenceCancelledByItsCallbackFreesItsSlotForTheNext) {
  auto owned = tiny_model();
  Model<float>& model = *owned;
  GenerationEngine gen(model, 1, 96);
  Collected got;
  SequenceRequest first = collect({{1, 2, 3}, 60, 1, 0}, sampled(), got, 0);
  int seen = 0;
  first.on_token = [&](const TokenEvent&) { return ++seen < 3; };  // the client goes away
  gen.submit(std::move(first));
  gen.submit(collect({{4, 5}, 6, 1, 1}, sampled(), got, 1));
  for (int i = 0; i < 3; ++i) gen.step();
  EXPECT_EQ(got.done[0].finish_reason, "cancelled");
  EXPECT_EQ(got.done[0].tokens.size(), 3u);
  EXPECT_EQ(gen.running(), 0u);
  EXPECT_EQ(gen.waiting(), 1u);
  int steps = 0;
  while (!gen.idle() && steps++ < 100) gen.step();
  EXPECT_EQ(got.done[1].tokens.size(), 6u);
  EXPECT_EQ(got.done[1].finish_reason, "length");
}

TEST(GeneratorStepwise, TopLogprobsAreSortedAndIncludeTheGreedyToken) {
  auto owned = tiny_model();
  Model<float>& model = *owned;
  GenerationEngine gen(model, 2, 96);
  Collected got;
  SequenceRequest s = collect({{3, 1, 4, 1, 5}, 8, 0, 0}, sampled(0, 0), got, 0);
  s.top_logprobs = 5;
  gen.submit(std::move(s));
  SequenceRequest t = collect({{2, 7, 1}, 8, 0, 1}, sampled(0.8, 0), got, 1);
  t.top_logprobs = 3;
  gen.submit(std::move(t));
  while (!gen.idle()) gen.step();
  ASSERT_EQ(got.events[0].size(), 8u);
  for (const TokenEvent& e : got.events[0]) {
    ASSERT_EQ(e.top.size(), 5u);
    EXPECT_EQ(e.top[0].first, e.token) << "greedy takes the most likely token";
    EXPECT_NEAR(e.top[0].second, e.logprob, 1e-5);
    double mass = 0;
    for (size_t i = 0; i < e.top.size(); ++i) {
      if (i) EXPECT_LE(e.top[i].second, e.top[i - 1].second);
      EXPECT_LE(e.top[i].second, 0.f);
      mass += std::exp(e.top[i].second);
    }
    EXPECT_LE(mass, 1.0 + 1e-5);
  }
  // Sampled at temperature 0.8: the chosen token's log-prob is its entry's when it is listed.
  for (const TokenEvent& e : got.events[1]) {
    ASSERT_EQ(e.top.size(), 3u);
    for (const auto& [id, lp] : e.top) {
      if (id == e.token) EXPECT_NEAR(lp, e.logprob, 1e-5);
    }
  }
}

TEST(GeneratorStepwise, CancelAllEndsQueuedAndRunningAndBadRequestsAreRefused) {
  auto owned = tiny_model();
  Model<float>& model = *owned;
  GenerationEngine gen(model, 1, 16);
  Collected got;
  gen.submit(collect({{1, 2}, 50, 0, 0}, sampled(), got, 0));
  gen.submit(collect({{3, 4}, 50, 0, 1}, sampled(), got, 1));
  gen.step();
  gen.cancel_all();
  EXPECT_TRUE(gen.idle());
  EXPECT_EQ(got.done[0].finish_reason, "cancelled");
  EXPECT_EQ(got.done[0].tokens.size(), 1u);
  EXPECT_EQ(got.done[1].finish_reason, "cancelled");
  EXPECT_TRUE(got.done[1].tokens.empty());

  Collected bad;
  EXPECT_THROW(gen.submit(collect({{}, 5, 0, 0}, sampled(), bad, 0)), std::exception);
  EXPECT_THROW(gen.submit(collect({std::vector<int32_t>(16, 1), 5, 0, 0}, sampled(), bad, 0)),
               std::exception);
  EXPECT_THROW(gen.submit(collect({{1, 1 << 30}, 5, 0, 0}, sampled(), bad, 0)), std::exception);
  SequenceRequest too_many = collect({{1, 2}, 5, 0, 0}, sampled(), bad, 0);
  too_many.top_logprobs = GenerationEngine::kMaxTopLogprobs + 1;
  EXPECT_THROW(gen.submit(std::move(too_many)), std::exception);
  EXPECT_TRUE(gen.idle());
  // A context that fills up ends with "context".
  Collected full;
  gen.submit(collect({{1, 2, 3}, 100, 0, 0}, sampled(), full, 0));
  while (!gen.idle()) gen.step();
  EXPECT_EQ(full.done[0].finish_reason, "context");
}

// A stop string completed inside one token's text (BPE tokens often run past "</answer>") ends
// the completion at that token.
TEST(GeneratorStepwise, AStopStringInsideATokensTextStops) {
  auto owned = tiny_model();
  Model<float>& model = *owned;
  ByteTokenizer tok;
  const int32_t special = tok.special_id("<|im_start|>");
  // Find a seed whose greedy-free sample emits the special token, by generating without stops.
  GenerationOptions shared;
  shared.tokenizer = &tok;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    GenerationEngine gen(model, 1, 96);
    gen.set_shared_options(shared);
    Collected free_run;
    gen.submit(collect({{1, 2, 3}, 60, seed, 0}, sampled(1.0, 0), free_run, 0));
    while (!gen.idle()) gen.step();
    const auto& toks = free_run.done[0].tokens;
    const auto at = std::find(toks.begin(), toks.end(), special);
    if (at == toks.end()) continue;
    Collected stopped;
    SequenceRequest s = collect({{1, 2, 3}, 60, seed, 0}, sampled(1.0, 0), stopped, 0);
    s.stop_strings = {"im"};  // shorter than the token: the search must not trim it away
    gen.submit(std::move(s));
    while (!gen.idle()) gen.step();
    EXPECT_EQ(stopped.done[0].finish_reason, "stop");
    EXPECT_EQ(stopped.done[0].tokens, std::vector<int32_t>(toks.begin(), at + 1));
    return;
  }
  GTEST_SKIP() << "no seed of 200 sampled the special token";
}

// A token callback that throws cancels its own sequence; the step finishes for the others and
// then rethrows, and the engine stays consistent: every sequence gets on_done exactly once and
// the slot can be used again.
TEST(GeneratorStepwise, ACallbackThatThrowsLeavesTheEngineConsistent) {
  auto owned = tiny_model();
  Model<float>& model = *owned;
  GenerationEngine gen(model, 2, 96);
  std::vector<int> done_calls(3, 0);
  std::vector<std::string> reasons(3);
  auto make = [&](int i, int throw_at) {
    SequenceRequest s;
    s.request = {{1, 2, 3}, 20, 1, static_cast<uint64_t>(i)};
    s.sampling = sampled();
    int seen = 0;
    s.on_token = [throw_at, seen](const TokenEvent&) mutable {
      if (++seen == throw_at) throw std::runtime_error("client code failed");
      return true;
    };
    s.on_done = [&, i](GenerationResult&& r) {
      done_calls[i]++;
      reasons[i] = r.finish_reason;
    };
    return s;
  };
  gen.submit(make(0, 3));
  gen.submit(make(1, 0));
  gen.submit(make(2, 0));  // waits for a slot
  int threw = 0;
  for (int steps = 0; !gen.idle() && steps < 200; ++steps) {
    try {
      gen.step();
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "client code failed");
      ++threw;
    }
  }
  EXPECT_EQ(threw, 1);
  EXPECT_TRUE(gen.idle());
  EXPECT_EQ(done_calls, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(reasons[0], "cancelled");
  EXPECT_EQ(reasons[1], "length");
  EXPECT_EQ(reasons[2], "length");
}
