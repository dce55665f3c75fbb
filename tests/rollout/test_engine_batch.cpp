// The generation engine's promise (rollout/engine.h): a request's completion depends only on its
// prompt and its own RNG stream, not on which other requests share the batch, their order, or
// the number of cache slots. Continuous batching refills slots mid-flight, so this is what
// makes a rollout reproducible whatever the load.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/byte_tokenizer.h"
#include "model/config.h"
#include "model/model.h"
#include "rollout/engine.h"
#include "tests/common/model_test_util.h"

using namespace r1;

namespace {

std::vector<GenerationResult> run(Model<float>& model, int slots,
                                  const std::vector<GenerationRequest>& reqs,
                                  int prefill_chunk = 1024, GenerationStats* stats = nullptr,
                                  bool share_prompts = true) {
  GenerationEngine gen(model, slots, 96);
  GenerationOptions opt;
  opt.sampling.temperature = 1.0;
  opt.sampling.top_k = 40;
  opt.prefill_chunk = prefill_chunk;
  opt.share_prompts = share_prompts;
  auto out = gen.generate(reqs, opt);
  if (stats) *stats = gen.stats();
  return out;
}

}  // namespace

TEST(GeneratorBatch, ARequestsTokensDoNotDependOnItsNeighboursOrTheSlots) {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  Model<float> model(c);
  model.init_weights(3);
  // Different prompt lengths and budgets, so slots free up and refill at different steps.
  const GenerationRequest a{{1, 2, 3, 4, 5}, 40, 9, 0};
  const GenerationRequest b{{7, 8}, 12, 9, 1};
  const GenerationRequest c2{{11, 12, 13}, 25, 9, 2};
  const GenerationRequest d{{2, 4, 6, 8, 10, 12, 14}, 5, 9, 3};

  std::vector<GenerationResult> alone = run(model, 1, {a});
  std::vector<GenerationResult> full = run(model, 4, {b, a, c2, d});
  std::vector<GenerationResult> refilled = run(model, 2, {d, c2, b, a});
  ASSERT_EQ(alone.size(), 1u);
  ASSERT_FALSE(alone[0].tokens.empty());
  for (const GenerationResult* r : {&full[1], &refilled[3]}) {
    EXPECT_EQ(r->tokens, alone[0].tokens);
    ASSERT_EQ(r->logprobs.size(), alone[0].logprobs.size());
    for (size_t i = 0; i < r->logprobs.size(); ++i)
      EXPECT_NEAR(r->logprobs[i], alone[0].logprobs[i], 1e-4) << "token " << i;
  }
  // The others agree between the two batchings too.
  EXPECT_EQ(full[0].tokens, refilled[2].tokens);
  EXPECT_EQ(full[2].tokens, refilled[1].tokens);
  EXPECT_EQ(full[3].tokens, refilled[0].tokens);
  // And the stream matters: the same prompt on another stream samples something else.
  GenerationRequest other = a;
  other.stream = 17;
  EXPECT_NE(run(model, 1, {other})[0].tokens, alone[0].tokens);
}

// A request with a temperature of its own (self-play's proposals, sampled cooler than the
// solutions beside them) samples what it would alone with the options at that temperature, and
// its log-probs are at that temperature; the request beside it keeps the options'.
TEST(GeneratorBatch, ARequestsOwnTemperatureIsItsAlone) {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  Model<float> model(c);
  model.init_weights(3);
  GenerationRequest cool{{1, 2, 3, 4, 5}, 30, 9, 0}, plain{{7, 8}, 20, 9, 1};
  cool.temperature = 0.3;
  const std::vector<GenerationResult> mixed = run(model, 2, {cool, plain});
  GenerationEngine gen(model, 1, 96);
  GenerationOptions opt;
  opt.sampling.temperature = 0.3;
  opt.sampling.top_k = 40;
  GenerationRequest cool_plain = cool;
  cool_plain.temperature = -1;
  const std::vector<GenerationResult> alone = gen.generate({cool_plain}, opt);
  EXPECT_EQ(mixed[0].tokens, alone[0].tokens);
  ASSERT_EQ(mixed[0].logprobs.size(), alone[0].logprobs.size());
  for (size_t i = 0; i < alone[0].logprobs.size(); ++i)
    EXPECT_NEAR(mixed[0].logprobs[i], alone[0].logprobs[i], 1e-4) << "token " << i;
  EXPECT_EQ(mixed[1].tokens, run(model, 1, {plain})[0].tokens);
  EXPECT_NE(mixed[0].tokens, run(model, 1, {cool_plain})[0].tokens);  // 0.3 is not 1.0
}

// Chunked prefill: with at most 4 prompt tokens per forward call, a 30-token prompt goes in over
// 8 calls while the other sequences keep decoding, and every request samples the same tokens as
// with whole prompts (its logits differ only by rounding: the later chunks read the earlier ones
// from the cache).
TEST(GeneratorBatch, ChunkedPrefillSamplesTheSameTokensAndBoundsEachCall) {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  Model<float> model(c);
  model.init_weights(3);
  std::vector<int32_t> long_prompt;
  for (int i = 0; i < 30; ++i) long_prompt.push_back(1 + (i * 7) % 50);
  const std::vector<GenerationRequest> reqs = {
      {{7, 8}, 20, 9, 1}, {long_prompt, 10, 9, 2}, {{11, 12, 13}, 6, 9, 3}, {long_prompt, 8, 9, 4}};
  GenerationStats whole_stats, chunked_stats;
  const auto whole = run(model, 2, reqs, 0, &whole_stats);
  const auto chunked = run(model, 2, reqs, 4, &chunked_stats);
  ASSERT_EQ(whole.size(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_EQ(chunked[i].tokens, whole[i].tokens);
    EXPECT_EQ(chunked[i].finish_reason, whole[i].finish_reason);
    ASSERT_EQ(chunked[i].logprobs.size(), whole[i].logprobs.size());
    for (size_t t = 0; t < whole[i].logprobs.size(); ++t)
      EXPECT_NEAR(chunked[i].logprobs[t], whole[i].logprobs[t], 1e-4);
  }
  EXPECT_GE(whole_stats.max_call_tokens, 30);       // a whole prompt in one call
  EXPECT_LE(chunked_stats.max_call_tokens, 4 + 2);  // 4 prompt tokens beside up to 2 decode steps
  EXPECT_GT(chunked_stats.forward_calls, whole_stats.forward_calls);
  EXPECT_EQ(chunked_stats.generated_tokens, whole_stats.generated_tokens);
}

// Shared prompts: samples of one prompt copy the first one's cached prompt instead of feeding
// it. With 3 slots the samples arrive in waves: beside their leader while it prefills (whole or
// in chunks of 4), while it decodes, and after it finished (another sample leads then); one
// leader stops after its first token, in the step its followers copy from it. Every request
// samples what it samples with sharing off.
TEST(GeneratorBatch, SharedPromptsSampleTheSameTokensAndPrefillOnce) {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  Model<float> model(c);
  model.init_weights(3);
  const std::vector<int32_t> p = {5, 9, 2, 7, 7, 1, 3, 8, 4, 6, 2, 9}, q = {3, 4};
  const std::vector<GenerationRequest> reqs = {{q, 1, 9, 0},      {q, 6, 9, 1}, {p, 1, 9, 2},
                                               {p, 9, 9, 3},      {p, 4, 9, 4}, {p, 30, 9, 5},
                                               {{6, 6}, 5, 9, 6}, {p, 7, 9, 7}, {p, 2, 9, 8}};
  for (int chunk : {0, 4}) {
    SCOPED_TRACE("prefill_chunk " + std::to_string(chunk));
    GenerationStats shared_stats, own_stats;
    const auto shared = run(model, 3, reqs, chunk, &shared_stats, true);
    const auto own = run(model, 3, reqs, chunk, &own_stats, false);
    for (size_t i = 0; i < reqs.size(); ++i) {
      SCOPED_TRACE("request " + std::to_string(i));
      ASSERT_FALSE(own[i].tokens.empty());
      EXPECT_EQ(shared[i].tokens, own[i].tokens);
      EXPECT_EQ(shared[i].finish_reason, own[i].finish_reason);
      ASSERT_EQ(shared[i].logprobs.size(), own[i].logprobs.size());
      for (size_t t = 0; t < own[i].logprobs.size(); ++t)
        EXPECT_NEAR(shared[i].logprobs[t], own[i].logprobs[t], 1e-4);
    }
    EXPECT_EQ(own_stats.shared_prompt_tokens, 0);
    EXPECT_GE(shared_stats.shared_prompt_tokens, 3 * static_cast<long>(p.size() - 1));
    EXPECT_EQ(shared_stats.generated_tokens, own_stats.generated_tokens);
  }
}

TEST(GeneratorBatch, ANegativePrefillChunkIsAClearError) {
  ModelConfig c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json");
  Model<float> model(c);
  model.init_weights(3);
  try {
    run(model, 1, {{{1, 2}, 3, 9, 0}}, -1);
    FAIL() << "a negative prefill_chunk was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("prefill_chunk"), std::string::npos) << e.what();
  }
}

// The chat template's end of turn ends a completion as the end-of-sequence token does
// (GenerationOptions::stop_at_end_of_turn), and the completion's text leaves it out: a base
// model's tokenizer may end sequences with another token, and what it writes after the end of
// its turn is not its answer. With the LM head zeroed every token is equally likely, so over 48
// completions of up to 96 tokens the end of turn is drawn often.
TEST(GeneratorBatch, TheChatTemplatesEndOfTurnEndsACompletion) {
  const auto model = test::uniform_tiny_model();
  const ByteTokenizer tok;
  const ChatTemplate chat = ChatTemplate::named("chatml");
  const int32_t eot = end_of_turn_token(chat, tok);
  ASSERT_GE(eot, 0);
  ASSERT_NE(eot, tok.eos_id());
  std::vector<GenerationRequest> reqs;
  for (uint64_t i = 0; i < 48; ++i) reqs.push_back({{1, 2, 3}, 96, 5, i});
  GenerationEngine gen(*model, 16, 128);
  GenerationOptions opt(SamplingParams{}, {}, tok);
  const std::vector<GenerationResult> before = gen.generate(reqs, opt);
  opt.stop_at_end_of_turn(chat);
  EXPECT_EQ(opt.stop_tokens, (std::vector<int32_t>{tok.eos_id(), eot}));
  const std::vector<GenerationResult> after = gen.generate(reqs, opt);
  int went_on = 0, ended = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    const auto& b = before[i].tokens;
    const auto& a = after[i].tokens;
    const auto first = std::find(b.begin(), b.end(), eot);
    if (first != b.end() && first + 1 != b.end()) ++went_on;
    // The same stream draws the same tokens, up to and including the end of turn, then stops.
    const size_t n = first == b.end() ? b.size() : static_cast<size_t>(first - b.begin()) + 1;
    EXPECT_EQ(a, std::vector<int32_t>(b.begin(), b.begin() + n));
    if (first == b.end()) continue;
    ++ended;
    EXPECT_EQ(after[i].finish_reason, "stop");
    EXPECT_EQ(decode_completion(tok, a, eot),
              tok.decode(std::vector<int32_t>(a.begin(), a.end() - 1)));
    EXPECT_EQ(decode_completion(tok, a, eot).find("<|im_end|>"), std::string::npos);
  }
  EXPECT_GT(went_on, 0) << "without the stop, no completion wrote past its end of turn: the test "
                           "does not test it";
  EXPECT_GT(ended, 0);
  // An end of turn the tokenizer has no token for stops as text; an empty one adds nothing.
  ChatTemplate custom = ChatTemplate::named("custom");
  custom.end_of_turn = "###";
  GenerationOptions by_text(SamplingParams{}, {"</answer>"}, tok);
  by_text.stop_at_end_of_turn(custom);
  by_text.stop_at_end_of_turn(ChatTemplate::named("plain"));
  EXPECT_EQ(by_text.stop_strings, (std::vector<std::string>{"</answer>", "###"}));
  EXPECT_EQ(by_text.stop_tokens, (std::vector<int32_t>{tok.eos_id()}));
}
