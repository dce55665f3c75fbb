// Token-level penalties: the byte spans a reward component marks wrong, mapped onto the tokens of
// a completion, for the byte tokenizer and for a real BPE tokenizer (a character split across
// tokens, and a completion cut inside one, whose decoding the tokenizer repairs).
#include <gtest/gtest.h>

#include "learner/token_penalties.h"
#include "model/byte_tokenizer.h"
#include "model/chat_template.h"
#include "tests/model/tokenizer_test_util.h"

namespace r1 {
namespace {

SampleResult sample(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  SampleResult s;
  s.tokens = ids;
  s.text = tok.decode(ids);
  return s;
}

// The text of the tokens that got a nonzero offset, in order, with '|' between tokens that are
// not adjacent, and the offsets themselves.
std::string penalised_text(const Tokenizer& tok, const SampleResult& s,
                           const std::vector<float>& off) {
  std::string out;
  bool last = false;
  for (size_t k = 0; k < off.size(); ++k) {
    if (off[k] != 0) {
      if (!last && !out.empty()) out += "|";
      out += tok.decode({s.tokens[k]});
    }
    last = off[k] != 0;
  }
  return out;
}

TEST(TokenPenalties, ByteTokensInsideTheSpans) {
  ByteTokenizer tok;
  const std::string text = "<think>\n6-6 = 2\n35+3 = 38 != 36\n</think>";
  SampleResult s = sample(tok, tok.encode_bytes(text));
  EXPECT_TRUE(token_penalties(s, tok, -1).empty()) << "no spans, no offsets";
  const size_t a = text.find("= 2"), b = text.find("!= 36");
  s.penalties = {{static_cast<int64_t>(a), static_cast<int64_t>(a + 3), 0.5},
                 {static_cast<int64_t>(b), static_cast<int64_t>(b + 5), 0.25},
                 {static_cast<int64_t>(b + 3), static_cast<int64_t>(b + 4), 1.0}};
  const std::vector<float> off = token_penalties(s, tok, -1);
  ASSERT_EQ(off.size(), s.tokens.size());
  EXPECT_EQ(penalised_text(tok, s, off), "= 2|!= 36");
  EXPECT_FLOAT_EQ(off[a], -0.5f);
  EXPECT_FLOAT_EQ(off[b], -0.25f);
  EXPECT_FLOAT_EQ(off[b + 3], -1.25f) << "overlapping spans add up";
  EXPECT_EQ(off[a - 1], 0.0f);
}

// A sample that ends on the end-of-sequence token, or on the chat template's end of turn: its
// text (decode_completion) leaves that token's text out, the spans are placed as without it, and
// a span at the text's end reaches only the tokens that wrote it. (token_ends places such a sample
// by its pieces; the slower placement by decoded prefixes, which other texts fall back to, gives
// the same offsets.)
TEST(TokenPenalties, AnEndOfSequenceOrEndOfTurnTokenHasNoTextInTheSample) {
  ByteTokenizer tok;
  const int32_t eot = end_of_turn_token(ChatTemplate::named("chatml"), tok);
  ASSERT_GE(eot, 0);
  const std::string text = "<answer>6*7 = 43</answer>";
  for (const int32_t end : {tok.eos_id(), eot}) {
    SCOPED_TRACE(tok.token_text(end));
    std::vector<int32_t> ids = tok.encode_bytes(text);
    ids.push_back(end);
    SampleResult s;
    s.tokens = ids;
    s.text = decode_completion(tok, ids, eot);
    ASSERT_EQ(s.text, text);
    EXPECT_EQ(decode_completion(tok, tok.encode_bytes(text), eot), text);
    EXPECT_NE(tok.decode(ids), text) << "the end token must have a text to leave out";
    const size_t a = text.find("= 43");
    s.penalties = {{static_cast<int64_t>(a), static_cast<int64_t>(text.size()), 1.0}};
    const std::vector<float> off = token_penalties(s, tok, eot);
    ASSERT_EQ(off.size(), ids.size());
    EXPECT_FLOAT_EQ(off[a], -1.0f);
    EXPECT_FLOAT_EQ(off[text.size() - 1], -1.0f);
    EXPECT_EQ(off.back(), 0.0f) << "the end token wrote nothing of the span";
    EXPECT_EQ(off[a - 1], 0.0f);
  }
  // Without the template (-1), the end of turn is text like any other.
  std::vector<int32_t> ids = tok.encode_bytes(text);
  ids.push_back(eot);
  EXPECT_EQ(decode_completion(tok, ids, -1), text + "<|im_end|>");
}

TEST(TokenPenalties, BpeTokensThatOverlapTheSpans) {
  R1_REQUIRE_SHARED_TOKENIZER(tok, "qwen3");
  // "𝔘" (4 bytes) is rare enough to be split across byte-level tokens, whose pieces alone
  // decode to U+FFFD; their raw bytes still add up to the text.
  const std::string text = "<think>\n\xF0\x9D\x94\x98 7*8 = 54\n54+2 = 56\n</think>";
  SampleResult s = sample(*tok, tok->encode(text));
  ASSERT_EQ(s.text, text);
  std::string decoded, raw;
  for (int32_t id : s.tokens) decoded += tok->decode({id}), raw += tok->token_text(id);
  EXPECT_NE(decoded, text) << "𝔘 must be split, or the test does not test it";
  EXPECT_EQ(raw, text);
  const size_t a = text.find("= 54");
  s.penalties = {{static_cast<int64_t>(a), static_cast<int64_t>(a + 4), 0.5}};
  std::vector<float> off = token_penalties(s, *tok, -1);
  ASSERT_EQ(off.size(), s.tokens.size());
  // Exactly the tokens whose raw bytes overlap the span.
  size_t end = 0;
  for (size_t k = 0; k < s.tokens.size(); ++k) {
    const size_t begin = end;
    end += tok->token_text(s.tokens[k]).size();
    EXPECT_EQ(off[k] != 0, begin < a + 4 && end > a) << "token " << k;
  }
  // A completion cut inside 𝔘 decodes to a repaired text: the tokens are placed by prefixes.
  const size_t cut = text.find('\n', a);
  const std::vector<int32_t> whole = tok->encode(text.substr(0, cut + 1));
  SampleResult t;
  t.tokens = whole;
  const std::vector<int32_t> char_ids = tok->encode("\xF0\x9D\x94\x98");
  ASSERT_GE(char_ids.size(), 2u);
  t.tokens.push_back(char_ids[0]);
  t.text = tok->decode(t.tokens);
  ASSERT_NE(t.text.substr(0, cut + 1) + tok->token_text(char_ids[0]), t.text) << "not repaired";
  t.penalties = s.penalties;
  off = token_penalties(t, *tok, -1);
  s = t;
  // Every penalised token overlaps the span, and together they cover it.
  size_t at = 0, first = std::string::npos, last = 0;
  for (size_t k = 0; k < s.tokens.size(); ++k) {
    const size_t stop =
        tok->decode(std::vector<int32_t>(s.tokens.begin(), s.tokens.begin() + k + 1)).size();
    if (off[k] != 0) {
      EXPECT_LT(at, a + 4) << "token " << k;
      EXPECT_GT(stop, a) << "token " << k;
      EXPECT_FLOAT_EQ(off[k], -0.5f);
      first = std::min(first, at);
      last = std::max(last, stop);
    }
    at = stop;
  }
  EXPECT_LE(first, a);
  EXPECT_GE(last, a + 4);
  EXPECT_EQ(text.substr(first, last - first).find("54\n54"), std::string::npos)
      << "the next line is not penalised";
}

// A repaired text with a 2-byte character split across tokens before the cut: decoding prefixes
// put the character's lone first byte at U+FFFD's 3 bytes, and the tokens after it overlapped
// nothing, so a span over them took no penalty off them (an audit). Mapped through the
// replacement, every token over the span is penalised.
TEST(TokenPenalties, ASplitCharacterBeforeARepairedEndDoesNotShiftTheTokens) {
  R1_REQUIRE_SHARED_TOKENIZER(tok, "qwen3");
  std::string split;  // a 2-byte character that the tokenizer splits between digits
  for (int cp = 0x100; cp < 0x800 && split.empty(); ++cp) {
    std::string c = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    if (tok->encode("4" + c + "2").size() == 4) split = c;
  }
  ASSERT_FALSE(split.empty()) << "no 2-byte character is split: the test tests nothing";
  const std::string text = "<think>\n2+3 = 6" + split + "3 ok\n</think>";
  SampleResult s = sample(*tok, tok->encode(text));
  s.tokens.push_back(tok->encode("\xF0\x9D\x94\x98")[0]);  // cut inside a 4-byte character
  s.text = tok->decode(s.tokens);
  ASSERT_EQ(s.text, text + "\xEF\xBF\xBD") << "repaired at the cut alone";
  const size_t a = text.find("= 6"), b = text.find(" ok");
  s.penalties = {{static_cast<int64_t>(a), static_cast<int64_t>(b), 0.5}};
  const std::vector<float> off = token_penalties(s, *tok, -1);
  ASSERT_EQ(off.size(), s.tokens.size());
  size_t end = 0, penalised = 0;
  for (size_t k = 0; k + 1 < s.tokens.size(); ++k) {  // the text is the raw bytes up to the cut
    const size_t begin = end;
    end += tok->token_text(s.tokens[k]).size();
    const bool over = begin < b && end > a;
    EXPECT_EQ(off[k], over ? -0.5f : 0.0f) << "token " << k;
    penalised += over;
  }
  EXPECT_GE(penalised, 4u) << "'= 6', the two halves of the character and '3'";
  EXPECT_EQ(off.back(), 0.0f);
}

}  // namespace
}  // namespace r1
