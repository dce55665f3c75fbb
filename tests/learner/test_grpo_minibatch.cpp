// pack_grpo_minibatch (learner/grpo_update.h): each prompt + completion packed in the given
// order, each completion's log-prob span where position t predicts token t + 1, and the sampling
// policy's log-probs placed on exactly those positions.
#include <gtest/gtest.h>

#include "learner/grpo_update.h"

using namespace r1;

TEST(GrpoMinibatch, PacksPromptsAndCompletionsAndPlacesTheSamplingLogprobs) {
  const std::vector<int32_t> p0 = {1, 2, 3}, c0 = {4, 5}, p1 = {7, 8}, c1 = {9};
  const std::vector<float> lp0 = {-0.1f, -0.2f}, lp1 = {-0.3f};
  GrpoMinibatch mb = pack_grpo_minibatch({{&p0, &c0, &lp0, 0.5}, {&p1, &c1, &lp1, -1.0}});

  EXPECT_EQ(mb.batch.tokens, (std::vector<int32_t>{1, 2, 3, 4, 5, 7, 8, 9}));
  EXPECT_EQ(mb.batch.cu_seqlens, (std::vector<int32_t>{0, 5, 8}));
  ASSERT_EQ(mb.sequences.size(), 2u);
  // Tokens 4 and 5 are predicted at positions 2 and 3; token 9 at position 6.
  EXPECT_EQ(mb.sequences[0].offset, 2);
  EXPECT_EQ(mb.sequences[0].length, 2);
  EXPECT_EQ(mb.sequences[0].advantage, 0.5);
  EXPECT_EQ(mb.sequences[1].offset, 6);
  EXPECT_EQ(mb.sequences[1].length, 1);
  EXPECT_EQ(mb.sequences[1].advantage, -1.0);
  EXPECT_EQ(mb.old_logp, (std::vector<float>{0, 0, -0.1f, -0.2f, 0, 0, -0.3f, 0}));
}

TEST(GrpoMinibatch, KeepsTheOrderItIsGivenAndAcceptsAnEmptyList) {
  const std::vector<int32_t> p = {5}, a = {6, 6}, b = {7};
  const std::vector<float> la = {-1.0f, -2.0f}, lb = {-3.0f};
  GrpoMinibatch mb = pack_grpo_minibatch({{&p, &b, &lb, 1.0}, {&p, &a, &la, 2.0}});
  EXPECT_EQ(mb.batch.tokens, (std::vector<int32_t>{5, 7, 5, 6, 6}));
  EXPECT_EQ(mb.old_logp, (std::vector<float>{-3.0f, 0, -1.0f, -2.0f, 0}));
  EXPECT_EQ(pack_grpo_minibatch({}).batch.num_tokens(), 0);
}

// Shared prompts: one copy of each prompt minus its last token, then each completion behind
// [last prompt token], continuing it (positions go on from the prompt's). Completion spans and
// log-probs land where each completion's tokens are predicted.
TEST(GrpoMinibatch, SharedPromptsPackEachPromptOnce) {
  const std::vector<int32_t> p = {1, 2, 3}, q = {8, 9}, one = {5}, a = {4, 5}, b = {6}, c = {7};
  const std::vector<float> la = {-0.1f, -0.2f}, lb = {-0.3f}, lc = {-0.4f};
  GrpoMinibatch mb = pack_grpo_minibatch(
      {{&p, &a, &la, 0.5}, {&q, &c, &lc, 2.0}, {&p, &b, &lb, -1.0}, {&one, &c, &lc, 3.0}}, true);
  // [1 2] [3 4 5] [3 6] | [8 9 7] (q has one member) | [5 7] (a one-token prompt)
  EXPECT_EQ(mb.batch.tokens, (std::vector<int32_t>{1, 2, 3, 4, 5, 3, 6, 8, 9, 7, 5, 7}));
  EXPECT_EQ(mb.batch.cu_seqlens, (std::vector<int32_t>{0, 2, 5, 7, 10, 12}));
  EXPECT_EQ(mb.batch.prefix_of, (std::vector<int32_t>{-1, 0, 0, -1, -1}));
  EXPECT_EQ(mb.batch.positions, (std::vector<int32_t>{0, 1, 2, 3, 4, 2, 3, 0, 1, 2, 0, 1}));
  EXPECT_EQ(mb.batch.targets, (std::vector<int32_t>{2, -1, 4, 5, -1, 6, -1, 9, 7, -1, 7, -1}));
  ASSERT_EQ(mb.sequences.size(), 4u);
  EXPECT_EQ(mb.sequences[0].offset, 2);
  EXPECT_EQ(mb.sequences[0].length, 2);
  EXPECT_EQ(mb.sequences[1].offset, 8);
  EXPECT_EQ(mb.sequences[1].advantage, 2.0);
  EXPECT_EQ(mb.sequences[2].offset, 5);
  EXPECT_EQ(mb.sequences[2].length, 1);
  EXPECT_EQ(mb.sequences[2].advantage, -1.0);
  EXPECT_EQ(mb.sequences[3].offset, 10);
  EXPECT_EQ(mb.old_logp,
            (std::vector<float>{0, 0, -0.1f, -0.2f, 0, -0.3f, 0, 0, -0.4f, 0, -0.4f, 0}));
}

// A completion's token offsets (a span penalty) travel with it, whichever way it is packed.
TEST(GrpoMinibatch, TokenOffsetsFollowTheirCompletion) {
  const std::vector<int32_t> p = {1, 2}, a = {4, 5}, b = {6};
  const std::vector<float> la = {-0.1f, -0.2f}, lb = {-0.3f}, oa = {0.0f, -0.5f}, none;
  for (bool share : {false, true}) {
    SCOPED_TRACE(share ? "shared prompts" : "one prompt each");
    GrpoMinibatch mb = pack_grpo_minibatch(
        {{&p, &a, &la, 1.0, &oa}, {&p, &b, &lb, -1.0, &none}, {&p, &b, &lb, 0.5}}, share);
    ASSERT_EQ(mb.sequences.size(), 3u);
    EXPECT_EQ(std::vector<float>(mb.sequences[0].token_offsets.begin(),
                                 mb.sequences[0].token_offsets.end()),
              oa);
    EXPECT_TRUE(mb.sequences[1].token_offsets.empty());
    EXPECT_TRUE(mb.sequences[2].token_offsets.empty());
  }
}

// A completion sampled at a temperature of its own (self-play's proposals) carries it to the
// batch sequence it went into, whichever way it is packed; the others, and a shared prompt,
// keep 0 (the forward's). Without any, the batch has no temperatures at all.
TEST(GrpoMinibatch, OwnTemperaturesFollowTheirCompletion) {
  const std::vector<int32_t> p = {1, 2, 3}, q = {8, 9}, a = {4, 5}, b = {6};
  const std::vector<float> la = {-0.1f, -0.2f}, lb = {-0.3f};
  for (bool share : {false, true}) {
    SCOPED_TRACE(share ? "shared prompts" : "one prompt each");
    GrpoMinibatch mb = pack_grpo_minibatch({{&p, &a, &la, 1.0, nullptr, 0.5},
                                            {&q, &b, &lb, 1.0, nullptr, 0.0},
                                            {&p, &b, &lb, 1.0, nullptr, 0.5}},
                                           share);
    // Not shared: [p a] [q b] [p b]. Shared: [1 2] [3 a] [3 b] (behind it), then [q b].
    const std::vector<float> want =
        share ? std::vector<float>{0, 0.5f, 0.5f, 0} : std::vector<float>{0.5f, 0, 0.5f};
    EXPECT_EQ(mb.batch.temperature, want);
    EXPECT_TRUE(pack_grpo_minibatch({{&p, &a, &la, 1.0}}, share).batch.temperature.empty());
  }
}
