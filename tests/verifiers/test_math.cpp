// The `math` verifier: extraction, normalisation and comparison, as tables of right and wrong
// answers.
#include <gtest/gtest.h>

#include "verifiers/math/extract.h"
#include "verifiers/math/normalize.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

TEST(MathExtract, Sources) {
  struct Case {
    const char* completion;
    const char* text;
    AnswerSource source;
  } cases[] = {
      {"<think>x</think><answer>42</answer>", "42", AnswerSource::AnswerTag},
      {"<answer>1</answer> then <answer> 7 </answer>", "7", AnswerSource::AnswerTag},
      {"<answer>so \\boxed{\\frac{1}{2}} it is</answer>", "\\frac{1}{2}", AnswerSource::AnswerTag},
      {"<answer>The answer is 12.</answer>", "12", AnswerSource::AnswerTag},
      {"<answer>5", "5", AnswerSource::AnswerTag},  // cut off by the length limit
      {"we get \\boxed{3} and then \\boxed{\\{1, 2\\}}.", "\\{1, 2\\}", AnswerSource::Boxed},
      {"nested \\boxed{\\frac{a}{\\sqrt{b}}}", "\\frac{a}{\\sqrt{b}}", AnswerSource::Boxed},
      {"\\boxed 5 done", "5", AnswerSource::Boxed},
      {"So the final answer is $-3.5$. Thanks", "$-3.5$", AnswerSource::AnswerIs},
      {"The Answer Is: **17**\nmore", "17", AnswerSource::AnswerIs},
      {"Total 3 apples and 1,234 pears.", "1,234", AnswerSource::LastNumber},
      {"so 9 * 2 = 18", "18", AnswerSource::LastNumber},
      {"x is 5 - 3", "", AnswerSource::None},  // 3 is part of an expression
      // Alternatives listed in the last sentence are a hedge, not an answer; digits glued to
      // words or LaTeX are no number.
      {"it is 2 or 3", "", AnswerSource::None},
      {"2 apples or 3 apples", "", AnswerSource::None},
      {"from 1 to 3", "", AnswerSource::None},
      {"1, 2, 3", "1, 2, 3", AnswerSource::WholeText},  // the whole text is one answer: a list
      {"we get 1, 2, 3", "", AnswerSource::None},
      {"AZYUK2A", "", AnswerSource::None},
      {"so $\\frac{1+\\sqrt{5}}{2}$", "\\frac{1+\\sqrt{5}}{2}", AnswerSource::MathMode},
      {"we have \\(x+1\\). Then \\[\\frac{1}{2}\\] done", "\\frac{1}{2}", AnswerSource::MathMode},
      {"It costs $5 and $6. In all $11", "11", AnswerSource::LastNumber},  // amounts, not math
      {"Final answer: 12", "12", AnswerSource::AnswerIs},
      {"\\frac{10}{9}", "\\frac{10}{9}", AnswerSource::WholeText},
      {"1 000", "1 000", AnswerSource::WholeText},
      {"so it is 1 000", "1 000", AnswerSource::LastNumber},
      {"so it is .4", ".4", AnswerSource::LastNumber},
      {"value = -7 here", "-7", AnswerSource::LastNumber},
      {"ratio 3/4.", "3/4", AnswerSource::LastNumber},
      {"#### 70000", "70000", AnswerSource::AnswerIs},
      {"no digits at all", "", AnswerSource::None},
      {"\\boxed{unbalanced", "", AnswerSource::None},
  };
  for (const auto& c : cases) {
    ExtractedAnswer e = extract_answer(c.completion);
    EXPECT_EQ(e.text, c.text) << c.completion;
    EXPECT_EQ(e.source, c.source) << c.completion;
  }
}

TEST(MathExtract, SeveralStatedAnswersAreKept) {
  ExtractedAnswer e = extract_answer("<answer>\\boxed{2} or \\boxed{3}</answer>");
  EXPECT_EQ(e.text, "3");
  EXPECT_EQ(e.others, std::vector<std::string>{"2"});
  e = extract_answer("first \\boxed{4}, finally \\boxed{ 4 }");
  EXPECT_EQ(e.text, "4");
  EXPECT_TRUE(e.others.empty());
  e = extract_answer("<answer>The answer is 2. No, the answer is 3.</answer>");
  EXPECT_EQ(e.text, "3");
  EXPECT_EQ(e.others, std::vector<std::string>{"2"});
  EXPECT_EQ(all_boxed("\\boxed{\\boxed{7}} and \\fbox{8} \\boxed{9"),
            (std::vector<std::string_view>{"\\boxed{7}", "8"}));
}

TEST(MathExtract, NumbersStandAlone) {
  struct Case {
    const char* text;
    const char* last;   // last_number
    const char* prose;  // number_in_prose
  } cases[] = {
      {"She makes $18 every day.", "18", "18"},
      {"It is -3.5.", "-3.5", "-3.5"},
      {"AZYUK2A", "", ""},
      {"x2", "", ""},
      {"H2O", "", ""},
      {"Answer: \\sqrt{2}", "", ""},
      {"Value: x^2", "", ""},
      {"$\\frac{1+\\sqrt{5}}{2}$", "", ""},
      {"1,23", "", ""},
      {"at 3:45", "", ""},
      {"5!", "", ""},
      {"2 or 3", "3", ""},
      {"not 18", "18", ""},
      {"It is 2 million.", "2", ""},
      {"18 + x", "18", ""},
      {"18 dollars", "18", "18"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(std::string(last_number(c.text).value_or("")), c.last) << c.text;
    EXPECT_EQ(std::string(number_in_prose(c.text).value_or("")), c.prose) << c.text;
  }
  EXPECT_EQ(final_number("2 or 3"), std::nullopt);
  EXPECT_EQ(final_number("between 1 and 3"), std::nullopt);
  EXPECT_EQ(final_number("She sells 9 eggs. She makes 9 * 2 = $18."), "18");
  EXPECT_EQ(final_number("We had 3 of them.\n#### 26"), "26");
  EXPECT_EQ(final_number("It came 7-1=6th."), "6");
  EXPECT_EQ(final_number("so 12 months * $2/month = $24/year"), "24");
}

TEST(MathNormalize, Table) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"\\$1,000", "1000"},
      {"10,\\!080", "10080"},
      {"11,\\! 111,\\! 111,\\! 100", "11111111100"},
      {"1{,}000{,}000", "1000000"},
      {"50\\%", "50"},
      {"90^\\circ", "90"},
      {"30^{\\circ}", "30"},
      {"\\dfrac{3}{4}", "\\frac{3}{4}"},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "( 3, \\frac{\\pi}{2} )"},
      {"\\text{(C)}", "(C)"},
      {"15\\mbox{ cm}^2", "15"},
      {"5.4 \\text{ cents}", "5.4"},
      {"18 dollars", "18"},
      {"x = 5", "5"},
      {"a_1=-2", "-2"},
      {"x \\in [-2,7]", "[-2,7]"},
      {"\\boxed{\\boxed{7}}", "7"},
      {"3 \\times 4 \\cdot 5", "3 * 4 * 5"},
      {"12.", "12"},
      {"$\\frac12$", "\\frac12"},
      {"\xE2\x88\x92"
       "3",
       "-3"},
      {"(1,000, 2)", "(1000, 2)"},
      {"1,2,3", "1,2,3"},
      {"2x + 3 cats", "2x + 3"},
      {"\\text{Evelyn}", "Evelyn"},
  };
  for (const auto& c : cases) EXPECT_EQ(normalize_answer(c.in), c.out) << c.in;
}

struct MathCase {
  const char* gold;
  const char* answer;  // placed inside <answer> unless it already has tags
  bool correct;
};

void run_table(const std::vector<MathCase>& cases, const json& options = json::object()) {
  auto v = make_verifier("math", options);
  for (const auto& c : cases) {
    Task t;
    t.answer = c.gold;
    std::string a = c.answer;
    std::string completion =
        a.find('<') == std::string::npos || a.find("<answer>") == std::string::npos
            ? "<think>work</think><answer>" + a + "</answer>"
            : a;
    Verdict d = v->verify(t, completion);
    EXPECT_FALSE(d.verifier_error) << c.gold << " vs " << c.answer << ": " << d.to_json().dump();
    EXPECT_EQ(d.correct, c.correct)
        << "gold '" << c.gold << "' answer '" << c.answer << "': " << d.to_json().dump();
    EXPECT_EQ(d.score, c.correct ? 1.0 : 0.0);
  }
}

TEST(MathVerifier, IntegersAndRationals) {
  run_table({
      {"42", "42", true},
      {"42", "42.0", true},
      {"42", "043", false},
      {"42", "41", false},
      {"-7", "-7", true},
      {"-7", "7", false},
      {"1000", "1,000", true},
      {"1000", "1 000", true},  // SI digit groups
      {"1000", "10 00", false},
      {"18", "\\$18", true},
      {"18", "18 dollars", true},
      {"3/4", "\\frac{3}{4}", true},
      {"3/4", "\\dfrac34", true},
      {"3/4", "6/8", true},
      {"3/4", "0.75", true},
      {"3/4", "0.76", false},
      {"-3/4", "\\frac{-3}{4}", true},
      {"-3/4", "-\\frac{3}{4}", true},
      {"-3/4", "\\frac{3}{-4}", true},
      {"-3/4", "3/4", false},
      {"\\frac{14}{3}", "4\\frac{2}{3}", true},  // mixed number
      {"137 \\frac{1}{2}", "275/2", true},
      {"x = 5", "5", true},
      {"5", "x=5", true},
      {"5", "k = 5", true},
      {"50\\%", "50", true},
      {"90^\\circ", "90", true},
      // Exact beyond 64 bits: these differ in the last digit only.
      {"123456789012345678901234567890", "123456789012345678901234567890", true},
      {"123456789012345678901234567890", "123456789012345678901234567891", false},
      {"2^{100}", "1267650600228229401496703205376", true},
      {"2^{100}", "1267650600228229401496703205377", false},
      {"10080", "10,\\!080", true},
  });
}

TEST(MathVerifier, DecimalsWithTolerance) {
  run_table({
      {"0.3333333", "1/3", true},
      {"1/3", "0.3333333", true},
      {"1/3", "0.333", false},
      {"3.14159265", "\\pi", true},
      {"3.14", "\\pi", false},
      {".0000672", "0.0000672", true},
      {".0000672", "0.0000673", false},
      {"326.5", "326.50", true},
      {"1000000", "1000000.5", false},  // within 1e-6 relative, but .5 claims a precision it lacks
      {"1000000", "1.0000005e6", false},  // the same in scientific notation
      {"1000000", "1.0000005 \\times 10^{6}", false},
      {"1500", "1.5e3", true},
      {"0.000123", "1.23e-4", true},
      {"1/3", "3.333333e-1", true},  // seven places, rounded
      {"1/3", "3.333334e-1", false},
      {"1000000", "1000000.0", true},
      {"3.5", "3.4999999", true},
      {"\\frac{2}{3}", "0.6666667", true},
      {"\\frac{2}{3}", "0.6666666", true},  // truncated: within one unit in the last place
      {"\\frac{2}{3}", "0.6666660", false},
  });
}

TEST(MathVerifier, Expressions) {
  run_table({
      {"10\\sqrt{2}", "\\sqrt{200}", true},
      {"10\\sqrt{2}", "14.1421356", true},
      {"10\\sqrt{2}", "\\sqrt{201}", false},
      {"\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", true},
      {"2\\pi", "\\pi \\cdot 2", true},
      {"2\\pi", "6.28", false},
      {"\\frac{\\pi}{6}", "\\pi/6", true},
      {"x^2+7x+10", "(x+2)(x+5)", true},
      {"x^2+7x+10", "(x+2)(x+4)", false},
      {"(a+5)(b+2)", "ab+2a+5b+10", true},
      {"p - q", "-q + p", true},
      {"p - q", "q - p", false},
      {"\\frac{11+9a}{20}", "\\frac{11}{20}+\\frac{9a}{20}", true},
      {"\\sqrt{x^2}", "x", false},  // differs for negative x
      {"\\sin^2 x + \\cos^2 x", "1", true},
      {"\\log_2 8", "3", true},
      {"e^{i\\pi}", "e^{i\\pi}", true},
      {"6 - 5i", "-5i + 6", true},
      {"6 - 5i", "6 + 5i", false},
      {"\\binom{5}{2}", "10", true},
      {"\\binom{n}{2}", "\\frac{n(n-1)}{2}", true},
      {"(n+1)!", "(n+1)n!", true},
      {"0", "\\ln 1", true},
      {"0", "\\log_2 1", true},
      {"\\frac12", "\\sin(\\pi/6)", true},
      {"5!", "120", true},
      {"|x-1|", "|1-x|", true},
      {"\\alpha + \\beta", "\\beta+\\alpha", true},
      {"a_1 + a_2", "a_2 + a_1", true},
      {"2^{10}", "1024", true},
      {"\\infty", "\\infty", true},
      {"-\\infty", "\\infty", false},
  });
}

TEST(MathVerifier, StructuredAnswers) {
  run_table({
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\pi/2)", true},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "(\\pi/2, 3)", false},
      {"(1,-16,-4,43)", "(1, -16, -4, 43)", true},
      {"(1,-16,-4,43)", "(1, -16, -4)", false},
      {"[-2,7]", "[-2, 7]", true},
      {"[-2,7]", "(-2, 7)", false},  // open and closed ends must match
      {"(3,4]", "(3, 4]", true},
      {"(3,4]", "[3, 4]", false},
      {"(-\\infty, 0]", "(-\\infty, 0]", true},
      {"(-\\infty, 0]", "(-\\infty, 0)", false},
      {"(-\\infty, 2) \\cup (3, \\infty)", "(3,\\infty)\\cup(-\\infty,2)", true},
      {"(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty,2]\\cup(3,\\infty)", false},
      {"\\{1,2,3\\}", "\\{3, 1, 2\\}", true},
      {"\\{1,2,3\\}", "\\{1, 2\\}", false},
      {"3, 5, 7", "7, 3, 5", true},
      {"3, 5, 7", "3, 5, 8", false},
      {"1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}", true},
      {"1 \\pm \\sqrt{19}", "1+\\sqrt{19}", false},
      {"\\{1\\pm\\sqrt{5},-2\\}", "-2, 1-\\sqrt{5}, 1+\\sqrt{5}", true},
      {"\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",
       "\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}", true},
      {"\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",
       "\\begin{pmatrix} -1 & 0 \\\\ 0 & 1 \\end{pmatrix}", false},
      {"\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}",
       "\\begin{pmatrix} 0.2 \\\\ -3.6 \\end{pmatrix}", true},
      {"y = 2x + 3", "2x+3", true},
      {"y = 2x + 3", "y = 3 + 2x", true},
      {"5x - 7y + 11z + 4 = 0", "-5x + 7y - 11z - 4 = 0", true},
      {"5x - 7y + 11z + 4 = 0", "10x - 14y + 22z + 8 = 0", true},
      {"5x - 7y + 11z + 4 = 0", "5x - 7y + 11z - 4 = 0", false},
  });
}

TEST(MathVerifier, TextAnswers) {
  run_table({
      {"\\text{Evelyn}", "Evelyn", true},
      {"\\text{Evelyn}", "evelyn", true},
      {"\\text{Evelyn}", "Evelny", false},
      {"\\text{(C)}", "(C)", true},
      {"\\text{(C)}", "C", true},
      {"\\text{(C)}", "(D)", false},
      {"\\text{even}", "\\text{odd}", false},
      {"204_5", "204_5", true},
      {"204_5", "54", false},  // a base-5 numeral is not its value written in base 10
  });
}

TEST(MathVerifier, AnswerSentencesAndFallbacks) {
  auto v = make_verifier("math");
  Task t;
  t.answer = "18";
  auto judge = [&](const std::string& c) { return v->verify(t, c); };
  EXPECT_TRUE(judge("<think>9*2</think><answer>She makes $18 every day.</answer>").correct);
  // Two numbers in a sentence: no guessing which one is meant.
  EXPECT_FALSE(judge("<think>.</think><answer>either 3 or 18</answer>").correct);
  // Without tags: \boxed, then "the answer is", then the last number. format_ok tells them apart.
  Verdict boxed = judge("so we get \\boxed{18}.");
  EXPECT_TRUE(boxed.correct);
  EXPECT_FALSE(boxed.format_ok);
  EXPECT_EQ(boxed.details["source"], "boxed");
  EXPECT_TRUE(judge("Thus, the answer is 18.").correct);
  EXPECT_TRUE(judge("9 * 2 = 18").correct);
  EXPECT_FALSE(judge("18 + 1 = 19").correct);
  Verdict none = judge("<think>hmm</think>");
  EXPECT_EQ(none.reason, "no_answer");
  // A completion in the output format is judged by its <answer> block only: a missing or
  // misspelt answer tag is no answer, even when the reasoning ends with the right number.
  EXPECT_EQ(judge("<think>9*2 = 18</think>").reason, "no_answer");
  EXPECT_EQ(judge("<think>9*2 = 18</think><answr>18</answr>").reason, "no_answer");
  EXPECT_EQ(judge("<think>9*2</think> so \\boxed{18}").reason, "no_answer");
  auto lenient = make_verifier("math", {{"fallback", "always"}});
  EXPECT_TRUE(lenient->verify(t, "<think>9*2 = 18</think>").correct);
  auto strict = make_verifier("math", {{"fallback", "never"}});
  EXPECT_EQ(strict->verify(t, "It is 18.").reason, "no_answer");
  EXPECT_THROW(make_verifier("math", {{"fallback", "sometimes"}}), Error);
  EXPECT_TRUE(judge("<think>a</think><answer>18</answer>").format_ok);
  EXPECT_EQ(judge("<think>a</think><answer>17</answer>").reason, "wrong_answer");
  EXPECT_EQ(judge("<think>a</think><answer>\\frac{1}{</answer>").reason, "answer_unparseable");
}

// Solutions with several attempts, one per paragraph (AIME24's gold solutions): an answer
// phrase in an earlier paragraph is not a second answer next to the final box; on the box's
// own line it is.
TEST(MathVerifier, AnswerPhrasesCountOnTheLineOfTheBox) {
  auto v = make_verifier("math");
  Task t;
  t.answer = "116";
  EXPECT_TRUE(v->verify(t, "The probability, the answer is $\\frac{1}{115}$.\n"
                           "Therefore, the answer is $1+115 = \\boxed{116}$")
                  .correct);
  Verdict d = v->verify(t, "The answer is 115. So \\boxed{116}");
  EXPECT_EQ(d.reason, "conflicting_answers") << d.to_json().dump();
}

TEST(MathVerifier, UnparseableGoldIsAVerifierError) {
  auto v = make_verifier("math");
  for (const char* gold : {"", "   ", "\\frac{1}{", "((1+2)", "3 +* 4"}) {
    Task t;
    t.id = "t1";
    t.answer = gold;
    Verdict d = v->verify(t, "<think>a</think><answer>3</answer>");
    EXPECT_TRUE(d.verifier_error) << "gold '" << gold << "'";
    EXPECT_EQ(d.reason, "gold_unparseable") << "gold '" << gold << "'";
    EXPECT_FALSE(d.correct);
  }
}

TEST(MathVerifier, ConfigurableTagsAndTolerance) {
  auto v = make_verifier("math", {{"answer_tag", "final"}, {"decimal_rel_tol", 0.01}});
  Task t;
  t.answer = "\\pi";
  EXPECT_TRUE(v->verify(t, "<think>x</think><final>3.14</final>").correct);
  EXPECT_THROW(make_verifier("math", {{"decimal_rel_tol", 2.0}}), Error);
  EXPECT_THROW(make_verifier("math", {{"tolerance", 0.1}}), Error);
}

}  // namespace
}  // namespace r1
