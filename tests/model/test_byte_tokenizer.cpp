#include <gtest/gtest.h>

#include "core/rng.h"
#include "model/byte_tokenizer.h"

using namespace r1;

TEST(ByteTokenizer, SpecialsAndBytes) {
  ByteTokenizer t;
  EXPECT_EQ(t.vocab_size(), 264);
  auto ids = t.encode("a<think>b</think><answer>7</answer>");
  std::vector<int32_t> want = {'a', t.special_id("<think>"), 'b', t.special_id("</think>"), t.special_id("<answer>"),
                               '7', t.special_id("</answer>")};
  EXPECT_EQ(ids, want);
  EXPECT_EQ(t.eos_id(), 256);
  EXPECT_EQ(t.special_id("<nope>"), -1);
  // A lone '<' or an unfinished tag is just bytes.
  EXPECT_EQ(t.encode("<thi"), (std::vector<int32_t>{'<', 't', 'h', 'i'}));
}

TEST(ByteTokenizer, AnyByteStringRoundTrips) {
  ByteTokenizer t;
  Rng rng(1);
  const std::string pieces[] = {"<think>", "</answer>", "<|im_end|>", "<", "</", "<|", "\xff\xfe", "\0x"};
  for (int trial = 0; trial < 2000; ++trial) {
    std::string s;
    int n = static_cast<int>(rng.below(40));
    for (int i = 0; i < n; ++i) {
      if (rng.below(4) == 0) s += pieces[rng.below(8)];
      else s.push_back(static_cast<char>(rng.below(256)));
    }
    ASSERT_EQ(t.decode(t.encode(s)), s);
    auto raw = t.encode_bytes(s);
    ASSERT_EQ(raw.size(), s.size());
    ASSERT_EQ(t.decode(raw), s);
  }
}

TEST(ByteTokenizer, JsonRoundTripAndErrors) {
  ByteTokenizer t;
  ByteTokenizer u = ByteTokenizer::from_json(t.to_json(), "x.json");
  EXPECT_EQ(u.vocab_size(), t.vocab_size());
  EXPECT_THROW(ByteTokenizer::from_json(json{{"type", "bpe"}, {"special_tokens", json::array()}}, "x.json"), Error);
  EXPECT_THROW(ByteTokenizer::from_json(json{{"type", "byte"}}, "x.json"), Error);
}
