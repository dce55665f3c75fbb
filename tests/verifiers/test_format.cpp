// The `format` verifier: a table of completions with and without the output format.
#include <gtest/gtest.h>

#include "verifiers/format/format_check.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

const char kBinary[] = "<think>\0w</think><answer>\xff</answer>";

TEST(FormatVerifier, Table) {
  struct Case {
    std::string completion;
    bool ok;
    const char* reason;
  } cases[] = {
      {"<think>2+2=4</think><answer>4</answer>", true, "ok"},
      {"  <think>\nsteps\n</think>\n\n<answer> 4 </answer>\n  ", true, "ok"},
      // No reasoning earns no format bonus.
      {"<think></think><answer>x</answer>", false, "empty_think"},
      {"<think> \n\t </think><answer>x</answer>", false, "empty_think"},
      // Unicode spaces and zero-width characters show nothing either.
      {"<think>\xE2\x80\x8B</think><answer>x</answer>", false, "empty_think"},  // U+200B
      {"<think>\xC2\xA0 \xE3\x80\x80</think><answer>x</answer>", false, "empty_think"},
      {"<think>\xE2\x80\xA8\xEF\xBB\xBF</think><answer>x</answer>", false, "empty_think"},
      {"<think>w</think><answer>\xC2\xA0</answer>", false, "empty_answer"},
      {"<think>\xC2\xA0w</think><answer>x</answer>", true, "ok"},
      // A think block needs a letter or digit, in any script: a mark alone is no reasoning.
      {"<think>\xE2\x80\x94</think><answer>x</answer>", false, "empty_think"},  // an em dash
      {"<think>.</think><answer>x</answer>", false, "empty_think"},
      {"<think>\xE2\x86\x92 ?!</think><answer>x</answer>", false, "empty_think"},  // an arrow
      {"<think>\xE6\x80\x9D</think><answer>x</answer>", true, "ok"},               // a CJK letter
      {"<think>\xD9\xA3</think><answer>x</answer>", true, "ok"},  // an Arabic-Indic digit
      {"<think>7</think><answer>x</answer>", true, "ok"},
      // Format, control and invisible characters (an audit found each one passing).
      {"<think>\xE2\x81\xA6</think><answer>x</answer>", false, "empty_think"},      // U+2066
      {"<think>\xE2\x80\xAE</think><answer>x</answer>", false, "empty_think"},      // U+202E
      {"<think>\xEF\xB8\x8F</think><answer>x</answer>", false, "empty_think"},      // U+FE0F
      {"<think>\xCD\x8F</think><answer>x</answer>", false, "empty_think"},          // U+034F
      {"<think>\xF3\xA0\x80\xA0</think><answer>x</answer>", false, "empty_think"},  // U+E0020
      {"<think>\xF0\x9D\x85\xB3</think><answer>x</answer>", false, "empty_think"},  // U+1D173
      {std::string("<think>\0</think><answer>x</answer>", 34), false, "empty_think"},
      // A Hangul filler is a letter to Unicode and shows nothing: beside a mark it made an empty
      // block pass (a second audit, 2026-12-06).
      {"<think>\xE3\x85\xA4.</think><answer>x</answer>", false, "empty_think"},  // U+3164
      {"<think>\xEF\xBE\xA0.</think><answer>x</answer>", false, "empty_think"},  // U+FFA0
      {"<think>\xE1\x85\x9F\xE1\x85\xA0.</think><answer>x</answer>", false, "empty_think"},
      {"<think>\xE3\x85\xA4w</think><answer>x</answer>", true, "ok"},
      {"<think>w</think><answer>\xE2\x81\xA6\xEF\xBF\xBC</answer>", false, "empty_answer"},
      {"<think>w</think><answer>\xE2\x88\x9E</answer>", true, "ok"},  // an answer of a sign: ∞
      {"<think>a</think><answer>4</answer> trailing", false, "text_after_answer"},
      {"hello <think>a</think><answer>4</answer>", false, "text_before_think"},
      {"<think>a</think> so <answer>4</answer>", false, "text_between_think_and_answer"},
      {"<answer>4</answer>", false, "missing_think"},
      {"<think>a</think>", false, "missing_answer"},
      {"<think>a</think><answer>4", false, "missing_answer"},
      {"<think>a</think><answer>4</answer><answer>5</answer>", false, "duplicate_tags"},
      {"<think>a<think>b</think><answer>4</answer>", false, "duplicate_tags"},
      {"<answer>4</answer><think>a</think>", false, "wrong_order"},
      {"</think>a<think><answer>4</answer>", false, "wrong_order"},
      {"<think>a</think><answer>  </answer>", false, "empty_answer"},
      {"", false, "missing_think"},
      {std::string(kBinary, sizeof(kBinary) - 1), true, "ok"},
  };
  auto v = make_verifier("format");
  Task t;
  for (const auto& c : cases) {
    Verdict d = v->verify(t, c.completion);
    EXPECT_EQ(d.format_ok, c.ok) << c.completion;
    EXPECT_EQ(d.correct, c.ok) << c.completion;
    EXPECT_EQ(d.score, c.ok ? 1.0 : 0.0) << c.completion;
    EXPECT_EQ(d.reason, c.reason) << c.completion;
  }
}

TEST(FormatVerifier, ConfigurableTagsAndPattern) {
  auto v = make_verifier("format", {{"think_tag", "reasoning"}, {"answer_tag", "final"}});
  Task t;
  EXPECT_TRUE(v->verify(t, "<reasoning>r</reasoning><final>1</final>").format_ok);
  EXPECT_FALSE(v->verify(t, "<think>r</think><answer>1</answer>").format_ok);

  // A custom pattern: the answer must be a bare integer. Tags are still counted.
  auto ints = make_verifier(
      "format", {{"pattern", R"(\s*<think>.*</think>\s*<answer>\s*-?\d+\s*</answer>\s*)"}});
  EXPECT_TRUE(ints->verify(t, "<think>x</think><answer> -12 </answer>").format_ok);
  Verdict d = ints->verify(t, "<think>x</think><answer>twelve</answer>");
  EXPECT_FALSE(d.format_ok);
  EXPECT_EQ(d.reason, "pattern_mismatch");
  EXPECT_EQ(ints->verify(t, "<think>x</think><answer>1</answer><answer>1</answer>").reason,
            "duplicate_tags");

  EXPECT_EQ(make_verifier("format", {{"allow_empty_answer", true}})
                ->verify(t, "<think>x</think><answer></answer>")
                .reason,
            "ok");
  EXPECT_EQ(make_verifier("format", {{"allow_empty_answer", true}})
                ->verify(t, "<think></think><answer></answer>")
                .reason,
            "empty_think");
  EXPECT_EQ(make_verifier("format", {{"allow_empty_answer", true}, {"allow_empty_think", true}})
                ->verify(t, "<think></think><answer></answer>")
                .reason,
            "ok");
}

TEST(FormatVerifier, BadOptionsNameTheField) {
  try {
    make_verifier("format", {{"patern", "x"}});
    FAIL() << "an unknown option must be rejected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("patern"), std::string::npos) << e.what();
  }
  try {
    make_verifier("format", {{"pattern", "(unclosed"}});
    FAIL() << "a bad pattern must be rejected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace r1
