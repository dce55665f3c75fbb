// serve/text_stream.h: what a streamed completion's pieces may hold. Pieces joined equal the whole
// text; none ends inside a UTF-8 character; none carries a stop string or text after it, even
// where one token's text runs past the stop string.
#include <gtest/gtest.h>

#include "model/byte_tokenizer.h"
#include "serve/text_stream.h"

using namespace r1;

namespace {

// Token ids of `text` for the byte tokenizer with its default specials ("<answer>" is id 261).
std::vector<int32_t> ids(const ByteTokenizer& tok, const std::string& text) {
  return tok.encode(text);
}

std::vector<std::string> pieces(TextStream& ts, const std::vector<int32_t>& toks,
                                const std::string& reason) {
  std::vector<std::string> out;
  for (int32_t t : toks) out.push_back(ts.push(t));
  out.push_back(ts.finish(reason));
  return out;
}

std::string joined(const std::vector<std::string>& p) {
  std::string s;
  for (const auto& x : p) s += x;
  return s;
}

}  // namespace

TEST(TextStream, PiecesNeverSplitAUtf8Character) {
  ByteTokenizer tok;
  TextStream ts(tok, {}, {});
  const std::string text = "a\xc3\xa9z\xe2\x82\xac!\xf0\x9f\x98\x80";  // aéz€!😀
  const auto p = pieces(ts, ids(tok, text), "length");
  EXPECT_EQ(joined(p), text);
  for (const auto& piece : p)
    EXPECT_EQ(TextStream::complete_utf8_prefix(piece), piece.size()) << piece;
  EXPECT_EQ(p[1], "");  // the first byte of é waits for the second
  EXPECT_EQ(p[2], "\xc3\xa9");
  // Invalid bytes are not waited for: a lone continuation byte goes out at once.
  TextStream bad(tok, {}, {});
  EXPECT_EQ(bad.push(0x80), "\x80");
}

TEST(TextStream, AStopStringIsHeldBackThenDropped) {
  ByteTokenizer tok;
  TextStream ts(tok, {"STOP"}, {});
  const auto p = pieces(ts, ids(tok, "abSTxSTOP"), "stop");
  EXPECT_EQ(joined(p), "abSTx");
  EXPECT_EQ(p[2], "");     // "S" could start "STOP"
  EXPECT_EQ(p[3], "");     // "ST" too
  EXPECT_EQ(p[4], "STx");  // not a stop after all
  for (size_t i = 5; i < p.size(); ++i) EXPECT_EQ(p[i], "");
  // Ended by length while a prefix was held: the prefix is text after all.
  TextStream cut(tok, {"STOP"}, {});
  EXPECT_EQ(joined(pieces(cut, ids(tok, "abST"), "length")), "abST");
}

TEST(TextStream, AStopInsideOneTokensTextEndsTheTextThere) {
  ByteTokenizer tok;
  // "<|im_end|>" is one token whose text runs past the stop string "im_".
  TextStream ts(tok, {"im_"}, {});
  const auto toks = ids(tok, "ok<|im_end|>");
  ASSERT_EQ(toks.size(), 3u);
  EXPECT_EQ(joined(pieces(ts, toks, "stop")), "ok<|");
}

TEST(TextStream, StopTokensAreNotText) {
  ByteTokenizer tok;
  const int32_t eot = tok.special_id("<|im_end|>");
  TextStream ts(tok, {}, {eot});
  std::vector<int32_t> toks = ids(tok, "hi");
  toks.push_back(eot);
  EXPECT_EQ(joined(pieces(ts, toks, "stop")), "hi");
}
