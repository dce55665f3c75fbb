// BpeTokenizer on a small synthetic tokenizer.json (merges in both spellings, ignore_merges,
// added tokens with lstrip/rstrip/normalized, NFC) and on the shared reference tokenizers
// (added tokens in the middle of text, round trips, invalid UTF-8, threads, save/load).
// Expected ids of the synthetic cases come from Hugging Face `tokenizers` 0.23 on the same JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/error.h"
#include "core/rng.h"
#include "model/byte_level.h"
#include "model/tokenizer.h"
#include "tokenizer_test_util.h"

namespace r1 {
namespace {

const char* const kQwenRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

json added(int id, const std::string& content, bool lstrip, bool rstrip, bool normalized,
           bool special) {
  return {{"id", id},          {"content", content}, {"single_word", false},
          {"lstrip", lstrip},  {"rstrip", rstrip},   {"normalized", normalized},
          {"special", special}};
}

// 256 byte tokens, then ab=256 abc=257 "Ġa"=258 xyz=259 "Ġab"=260; merges a+b, ab+c, Ġ+a, Ġa+b.
json synthetic(bool ignore_merges, bool pair_merges) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level_utf8()[b]] = b;
  vocab["ab"] = 256;
  vocab["abc"] = 257;
  vocab
      ["\xc4\xa0"
       "a"] = 258;  // "Ġa"
  vocab["xyz"] = 259;
  vocab
      ["\xc4\xa0"
       "ab"] = 260;
  json merges = pair_merges ? json::array({json::array({"a", "b"}), json::array({"ab", "c"}),
                                           json::array({"\xc4\xa0", "a"}),
                                           json::array({"\xc4\xa0"
                                                        "a",
                                                        "b"})})
                            : json::array({"a b", "ab c", "\xc4\xa0 a",
                                           "\xc4\xa0"
                                           "a b"});
  json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", false},
                     {"use_regex", false}};
  return {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens",
       {added(261, "<x>", false, false, false, true),
        added(262, "<x><y>", false, false, false, true),
        added(263, "<L>", true, false, false, true), added(264, "<R>", false, true, false, true),
        added(265, "\xc3\xa9!", false, false, true, false)}},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}}}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", kQwenRegex}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          byte_level}}}},
      {"post_processor", nullptr},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", ""},
        {"end_of_word_suffix", ""},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", ignore_merges},
        {"vocab", vocab},
        {"merges", merges}}}};
}

std::unique_ptr<BpeTokenizer> make(const json& j) {
  return BpeTokenizer::from_text(j.dump(), "", "synthetic.json");
}

using Ids = std::vector<int32_t>;

TEST(BpeTokenizer, MergesByRankInBothSpellings) {
  for (bool pairs : {false, true}) {
    auto t = make(synthetic(false, pairs));
    EXPECT_EQ(t->encode("abc ab abcab"), (Ids{257, 32, 256, 32, 257, 256})) << pairs;
    // " ab": a+b (rank 0) first leaves Ġ + ab, which has no merge, although "Ġab" is a token.
    EXPECT_EQ(t->encode(" a ab xyz"), (Ids{258, 32, 256, 32, 120, 121, 122})) << pairs;
  }
}

TEST(BpeTokenizer, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  auto t = make(synthetic(true, true));
  EXPECT_EQ(t->encode("abc ab abcab"), (Ids{257, 260, 32, 257, 256}));
  EXPECT_EQ(t->encode(" a ab xyz"), (Ids{258, 260, 32, 120, 121, 122}));
}

TEST(BpeTokenizer, AddedTokensLongestFirstWithStripFlags) {
  auto t = make(synthetic(false, false));
  EXPECT_EQ(t->encode("q<x>r<x><y>s<x><y"), (Ids{113, 261, 114, 262, 115, 261, 60, 121}));
  EXPECT_EQ(t->encode("a  <L>b <L>"), (Ids{97, 263, 98, 263}));   // lstrip takes the spaces before
  EXPECT_EQ(t->encode("a<R>  b<R>\n"), (Ids{97, 264, 98, 264}));  // rstrip the whitespace after
  EXPECT_EQ(t->decode({97, 263, 98, 263}), "a<L>b<L>");
  EXPECT_EQ(t->special_id("<x><y>"), 262);
  EXPECT_EQ(t->special_id("<nope>"), -1);
  EXPECT_EQ(t->vocab_size(), 266);
}

TEST(BpeTokenizer, NormalizedAddedTokensMatchAfterNfc) {
  auto t = make(synthetic(false, false));
  EXPECT_EQ(t->encode("e\xcc\x81! \xc3\xa9!x"), (Ids{265, 32, 265, 120}));
  EXPECT_EQ(t->encode("a\xcc\x81"
                      "b"),
            (Ids{195, 161, 98}));  // NFC: a + U+0301 -> á
  // HF's ByteLevel decoder maps "é!" through the byte alphabet (é is byte 0xE9 there), which
  // gives a lone 0xE9: U+FFFD. Odd, but it is what the reference does.
  EXPECT_EQ(t->decode({265}), "\xef\xbf\xbd!");
}

TEST(BpeTokenizer, UnsupportedComponentsAreErrorsNamingThemAndTheFile) {
  auto expect_error = [](json j, const std::string& needle) {
    try {
      BpeTokenizer::from_text(j.dump(), "", "dir/tokenizer.json");
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("dir/tokenizer.json"), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  };
  json j = synthetic(false, false);
  j["model"]["type"] = "WordPiece";
  expect_error(j, "WordPiece");
  j = synthetic(false, false);
  j["normalizer"] = {{"type", "NFKC"}};
  expect_error(j, "NFKC");
  j = synthetic(false, false);
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_error(j, "Whitespace");
  j = synthetic(false, false);
  j["decoder"] = {{"type", "WordPiece"}};
  expect_error(j, "decoder");
  j = synthetic(false, false);
  j["post_processor"] = {{"type", "TemplateProcessing"}};
  expect_error(j, "TemplateProcessing");
  j = synthetic(false, false);
  j["model"]["merges"].push_back("ab zz");
  expect_error(j, "zz");
  j = synthetic(false, false);
  j["added_tokens"][0]["single_word"] = true;
  expect_error(j, "single_word");
}

TEST(BpeTokenizer, InvalidUtf8IsReplacedNotACrash) {
  auto t = make(synthetic(false, false));
  EXPECT_EQ(t->encode("a\xff"
                      "b"),
            t->encode("a\xef\xbf\xbd"
                      "b"));
  EXPECT_EQ(t->encode("\xe2\x82"), t->encode("\xef\xbf\xbd"));
  EXPECT_EQ(t->decode(t->encode("x\xc3")), "x\xef\xbf\xbd");
}

// --- the shared reference tokenizers ---

TEST(BpeShared, AddedTokensInTheMiddleOfText) {
  R1_REQUIRE_SHARED_TOKENIZER(q, "qwen3");
  // Reference ids from HF tokenizers.
  EXPECT_EQ(q->encode("<|im_start|>user\nHi<|im_end|>"), (Ids{151644, 872, 198, 13048, 151645}));
  EXPECT_EQ(q->encode("hello world"), (Ids{14990, 1879}));
  Ids mid = q->encode("text<|endoftext|>more<think>x</think>");
  EXPECT_EQ(std::count(mid.begin(), mid.end(), 151643), 1);
  EXPECT_EQ(std::count(mid.begin(), mid.end(), 151667), 1);
  EXPECT_EQ(std::count(mid.begin(), mid.end(), 151668), 1);
  EXPECT_EQ(q->special_id("<think>"), 151667);
  EXPECT_EQ(q->eos_id(), 151645);  // tokenizer_config.json: <|im_end|>
  EXPECT_EQ(q->chat_template_hint(), "qwen");
  R1_REQUIRE_SHARED_TOKENIZER(d, "deepseek-v3");
  Ids ds = d->encode(
      "<\xef\xbd\x9c"
      "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>hi");
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds[0], 0);
  EXPECT_EQ(d->bos_id(), 0);
  EXPECT_EQ(d->eos_id(), 1);
  EXPECT_EQ(d->chat_template_hint(), "deepseek");
}

// Any NFC text round-trips exactly; random text mixes scripts, marks, emoji, whitespace and
// special-token-like strings.
TEST(BpeShared, RoundTripsRandomText) {
  R1_REQUIRE_SHARED_TOKENIZER(q, "qwen3");
  R1_REQUIRE_SHARED_TOKENIZER(d, "deepseek-v3");
  const std::vector<std::string> parts = {"a",
                                          "Z",
                                          " ",
                                          "  ",
                                          "\n",
                                          "\r\n",
                                          "\t",
                                          "'s",
                                          "'LL",
                                          "123",
                                          "4567",
                                          "\xc3\xa9",
                                          "\xe4\xb8\xad",
                                          "\xe3\x81\x82",
                                          "\xea\xb0\x81",
                                          "\xf0\x9f\xa4\x96",
                                          "\xe2\x80\x8d",
                                          "!",
                                          "...",
                                          "<|im_end|>",
                                          "<think>",
                                          "\xd0\x96",
                                          "\xd9\xa1",
                                          "\xc2\xa0",
                                          "x\xcc\x81"};
  Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string s;
    int n = 1 + static_cast<int>(rng.below(20));
    for (int k = 0; k < n; ++k) s += parts[rng.below(parts.size())];
    // x + U+0301 has no precomposed form, so s is NFC and must come back byte for byte.
    EXPECT_EQ(q->decode(q->encode(s)), s);
    EXPECT_EQ(d->decode(d->encode(s)), s);
  }
}

TEST(BpeShared, StreamingTokenTextConcatenatesToTheBytes) {
  R1_REQUIRE_SHARED_TOKENIZER(q, "qwen3");
  const std::string s = "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\xa4\x96!";
  std::string streamed;
  for (int32_t id : q->encode(s)) streamed += q->token_text(id);
  EXPECT_EQ(streamed, s);
  EXPECT_EQ(q->token_text(-1), "");
  EXPECT_EQ(q->token_text(q->vocab_size()), "");
  // 127 and 102 are the byte tokens "Ã" (0xC3) and "©" (0xA9): alone, 0xC3 is half a character,
  // which decode() shows as U+FFFD (as HF does) while token_text() keeps the raw byte.
  EXPECT_EQ(q->token_text(127), "\xc3");
  EXPECT_EQ(q->decode({127}), "\xef\xbf\xbd");
  EXPECT_EQ(q->decode({127, 102}), "\xc3\xa9");
}

TEST(BpeShared, ConcurrentEncodeMatchesSequential) {
  R1_REQUIRE_SHARED_TOKENIZER(q, "qwen3");
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i)
    texts.push_back("word" + std::to_string(i * 7919) + " \xe4\xb8\xad 'll x" +
                    std::string(i % 7, ' '));
  std::vector<Ids> want;
  for (const auto& t : texts) want.push_back(q->encode(t));
  std::vector<int> bad(4, 0);
  std::vector<std::thread> pool;
  for (int w = 0; w < 4; ++w) {
    pool.emplace_back([&, w] {
      for (int rep = 0; rep < 20; ++rep) {
        for (size_t i = 0; i < texts.size(); ++i)
          bad[w] +=
              q->encode(texts[(i + w * 31) % texts.size()]) != want[(i + w * 31) % texts.size()];
      }
    });
  }
  for (auto& t : pool) t.join();
  for (int w = 0; w < 4; ++w) EXPECT_EQ(bad[w], 0) << "thread " << w;
}

TEST(BpeShared, SavesItsFilesAndLoadsThroughLoadTokenizer) {
  R1_REQUIRE_SHARED_TOKENIZER(q, "qwen3");
  auto dir = std::filesystem::temp_directory_path() / ("r1_bpe_save_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  q->save(dir.string());
  auto back = load_tokenizer(dir.string());
  EXPECT_EQ(back->encode("Hello, world! <think>"), q->encode("Hello, world! <think>"));
  EXPECT_EQ(back->eos_id(), q->eos_id());
  EXPECT_EQ(std::filesystem::file_size(dir / "tokenizer.json"),
            std::filesystem::file_size(testing::shared_tokenizer_dir("qwen3") + "/tokenizer.json"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace r1
