// A guide sample ends as a sampled completion would: no end-of-turn token after a stop string,
// one where sampling would have run on to it.
#include <gtest/gtest.h>

#include "model/byte_tokenizer.h"
#include "rollout/rollout_worker.h"

using namespace r1;

TEST(GuideTokens, EndOfTurnOnlyWhereNoStopStringEndedTheGuide) {
  const ByteTokenizer tok({"<|endoftext|>", "<|im_end|>"});
  const int32_t eot = tok.special_id("<|im_end|>");
  ASSERT_GE(eot, 0);
  const std::string text = "x</think><answer>4</answer>";
  const std::vector<int32_t> plain = tok.encode(text);
  // "</answer>" stops sampling: a sampled completion holds no end-of-turn, nor does the guide.
  EXPECT_EQ(guide_tokens(text, {"</answer>"}, eot, tok), plain);
  // Without that stop string sampling runs on to the end of turn, which the guide then holds.
  std::vector<int32_t> with_eot = plain;
  with_eot.push_back(eot);
  EXPECT_EQ(guide_tokens(text, {}, eot, tok), with_eot);
  EXPECT_EQ(guide_tokens(text, {"\n\n"}, eot, tok), with_eot);
  // No end-of-turn token in the template: nothing to add.
  EXPECT_EQ(guide_tokens(text, {}, -1, tok), plain);
}
