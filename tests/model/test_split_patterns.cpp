// The Split pre-tokenizer scanners on tricky text: contractions with case (and U+017F, which
// Oniguruma's (?i) folds to s), digits (one at a time for Qwen, groups of three for DeepSeek),
// whitespace before a non-space, newlines, emoji with ZWJ, combining marks, CJK, controls. The
// expected pieces were produced by Hugging Face `tokenizers` (pre_tokenize_str) from the
// pre_tokenizer sections of ../shared/data/tokenizers/{qwen3,deepseek-v3}/tokenizer.json, which
// are restated here so that these tests need no shared data.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/pretokenizer.h"

namespace r1 {
namespace {

json split(const std::string& regex) {
  return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}
json byte_level() {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
}

const char* const kQwenRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

PreTokenizer qwen() {
  return PreTokenizer::from_json({{"type", "Sequence"}, {"pretokenizers", {split(kQwenRegex), byte_level()}}},
                                 "qwen pre_tokenizer");
}

PreTokenizer deepseek() {
  json steps = {split(R"(\p{N}{1,3})"), split("[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+"),
                split("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                      "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
                byte_level()};
  return PreTokenizer::from_json({{"type", "Sequence"}, {"pretokenizers", steps}}, "deepseek pre_tokenizer");
}

std::vector<std::string> pieces(const PreTokenizer& p, const std::string& text) {
  ScanText t;
  t.assign(text);
  std::vector<uint32_t> cuts, scratch;
  p.split(t, cuts, scratch);
  std::vector<std::string> out;
  uint32_t begin = 0;
  for (uint32_t end : cuts) {
    out.push_back(text.substr(t.offset[begin], t.offset[end] - t.offset[begin]));
    begin = end;
  }
  return out;
}

const std::vector<const char*> kSplitInputs = {
    "I'm sure they'll SAY IT'S 'Re fine'VE 'x",
    "\xc5\xbf's '\xc5\xbf o'Ll it'\xc5\xbf IT'\xc5\xbfx",
    "12345 1234567 x1y22",
    "a  b   c \x0a\x0a  d\x09\x09" "e   ",
    "line1\x0d\x0aline2\x0a\x0a\x0a  \x0ax \x0d\x0a",
    "emoji \xf0\x9f\xa4\x96\xf0\x9f\x9a\x80 \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 flag \xf0\x9f\x87\xab\xf0\x9f\x87\xb7!",
    "e\xcc\x81 cafe\xcc\x81 \xcc\x81x",
    "\xe4\xb8\xad\xe6\x96\x87\xe6\xb5\x8b\xe8\xaf\x95\xef\xbc\x8c\xe6\xb1\x89\xe5\xad\x97 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x80\x81\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a \xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",
    "$x^2 + 2x!!! ...hello __init__ 'quoted' a.b",
    "\xe2\x80\x8bzero\xe2\x80\x89thin\xc2\xa0nbsp\xe3\x80\x80ideo",
    "x\x01y \x1f z\xc2\x85w \xc2\xbd\xe2\x85\x94 \xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4",
};
// qwen3
const std::vector<std::vector<std::string>> kQwen3Pieces = {
    {"I", "'m", " sure", " they", "'ll", " SAY", " IT", "'S", " '", "Re", " fine", "'VE", " '", "x"},
    {"\xc5\xbf", "'s", " '", "\xc5\xbf", " o", "'Ll", " it", "'\xc5\xbf", " IT", "'\xc5\xbf", "x"},
    {"1", "2", "3", "4", "5", " ", "1", "2", "3", "4", "5", "6", "7", " x", "1", "y", "2", "2"},
    {"a", " ", " b", "  ", " c", " \x0a\x0a", " ", " d", "\x09", "\x09" "e", "   "},
    {"line", "1", "\x0d\x0a", "line", "2", "\x0a\x0a\x0a  \x0a", "x", " \x0d\x0a"},
    {"emoji", " \xf0\x9f\xa4\x96\xf0\x9f\x9a\x80", " \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7", " flag", " \xf0\x9f\x87\xab\xf0\x9f\x87\xb7!"},
    {"e", "\xcc\x81", " cafe", "\xcc\x81", " \xcc\x81", "x"},
    {"\xe4\xb8\xad\xe6\x96\x87\xe6\xb5\x8b\xe8\xaf\x95", "\xef\xbc\x8c\xe6\xb1\x89\xe5\xad\x97", " \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88", "\xe3\x80\x81\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a", " \xed\x95\x9c\xea\xb5\xad\xec\x96\xb4"},
    {"$x", "^", "2", " +", " ", "2", "x", "!!!", " ...", "hello", " __", "init", "__", " '", "quoted", "'", " a", ".b"},
    {"\xe2\x80\x8bzero", "\xe2\x80\x89thin", "\xc2\xa0nbsp", "\xe3\x80\x80ideo"},
    {"x", "\x01y", " \x1f", " z", "\xc2\x85w", " ", "\xc2\xbd", "\xe2\x85\x94", " ", "\xd9\xa1", "\xd9\xa2", "\xd9\xa3", "\xd9\xa4"},
};
// deepseek-v3
const std::vector<std::vector<std::string>> kDeepseekv3Pieces = {
    {"I", "'m", " sure", " they", "'ll", " SAY", " IT", "'S", " '", "Re", " fine", "'VE", " '", "x"},
    {"\xc5\xbf", "'s", " '", "\xc5\xbf", " o", "'Ll", " it", "'", "\xc5\xbf", " IT", "'", "\xc5\xbfx"},
    {"123", "45", " ", "123", "456", "7", " x", "1", "y", "22"},
    {"a", " ", " b", "  ", " c", " \x0a\x0a", " ", " d", "\x09", "\x09" "e", "   "},
    {"line", "1", "\x0d\x0a", "line", "2", "\x0a\x0a\x0a  \x0a", "x", " \x0d\x0a"},
    {"emoji", " \xf0\x9f\xa4\x96\xf0\x9f\x9a\x80", " \xf0\x9f\x91\xa8", "\xe2\x80\x8d", "\xf0\x9f\x91\xa9", "\xe2\x80\x8d", "\xf0\x9f\x91\xa7", " flag", " \xf0\x9f\x87\xab\xf0\x9f\x87\xb7!"},
    {"e\xcc\x81", " cafe\xcc\x81", " \xcc\x81x"},
    {"\xe4\xb8\xad\xe6\x96\x87\xe6\xb5\x8b\xe8\xaf\x95", "\xef\xbc\x8c", "\xe6\xb1\x89\xe5\xad\x97", " ", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88", "\xe3\x80\x81", "\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a", " \xed\x95\x9c\xea\xb5\xad\xec\x96\xb4"},
    {"$x", "^", "2", " +", " ", "2", "x", "!!!", " ...", "hello", " __", "init", "__", " '", "quoted", "'", " a", ".b"},
    {"\xe2\x80\x8bzero", "\xe2\x80\x89thin", "\xc2\xa0nbsp", "\xe3\x80\x80ideo"},
    {"x", "\x01y", " ", "\x1f", " z", "\xc2\x85w", " ", "\xc2\xbd\xe2\x85\x94", " ", "\xd9\xa1\xd9\xa2\xd9\xa3", "\xd9\xa4"},
};

TEST(SplitPatterns, QwenMatchesReferencePieces) {
  PreTokenizer p = qwen();
  ASSERT_EQ(kSplitInputs.size(), kQwen3Pieces.size());
  for (size_t i = 0; i < kSplitInputs.size(); ++i) {
    EXPECT_EQ(pieces(p, kSplitInputs[i]), kQwen3Pieces[i]) << "input " << i << ": " << kSplitInputs[i];
  }
}

TEST(SplitPatterns, DeepseekMatchesReferencePieces) {
  PreTokenizer p = deepseek();
  ASSERT_EQ(kSplitInputs.size(), kDeepseekv3Pieces.size());
  for (size_t i = 0; i < kSplitInputs.size(); ++i) {
    EXPECT_EQ(pieces(p, kSplitInputs[i]), kDeepseekv3Pieces[i]) << "input " << i << ": " << kSplitInputs[i];
  }
}

// Lookahead sees the end of each piece of an earlier split as the end of input: "x  1" cut into
// "x  " and "1" keeps both spaces together (\s+(?!\S) at the piece end).
TEST(SplitPatterns, LookaheadStopsAtPieceEnd) {
  EXPECT_EQ(pieces(deepseek(), "x  1"), (std::vector<std::string>{"x", "  ", "1"}));
  EXPECT_EQ(pieces(qwen(), "x  1"), (std::vector<std::string>{"x", " ", " ", "1"}));
  EXPECT_EQ(pieces(qwen(), "x  y"), (std::vector<std::string>{"x", " ", " y"}));
  EXPECT_EQ(pieces(qwen(), "x  "), (std::vector<std::string>{"x", "  "}));
}

TEST(SplitPatterns, EmptyTextHasNoPieces) { EXPECT_TRUE(pieces(qwen(), "").empty()); }

TEST(SplitPatterns, UnknownRegexIsAnErrorNamingIt) {
  try {
    PreTokenizer::from_json({{"type", "Sequence"}, {"pretokenizers", {split("\\w+"), byte_level()}}}, "my.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("my.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\\\\w+"), std::string::npos) << msg;
  }
  EXPECT_THROW(PreTokenizer::from_json({{"type", "Whitespace"}}, "my.json"), Error);
  EXPECT_THROW(PreTokenizer::from_json({{"type", "ByteLevel"}, {"use_regex", true}}, "my.json"), Error);
}

}  // namespace
}  // namespace r1
