// Reward hacks against the `math` verifier: a wrong answer must score exactly 0 (score 0.0,
// correct false, never a verifier error), and the near misses beside each hack must keep
// scoring 1. Two classes: values that lose their precision in floating point (overflow to
// infinity, underflow to zero, big integers as doubles) and extraction that lets text that
// is not one value score (a digit inside a word or a LaTeX expression, hedged answers).
#include <gtest/gtest.h>

#include "tasks/generator.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

enum class Wrap { AnswerTag, FreeText };

struct Case {
  const char* gold;
  const char* answer;
  Wrap wrap = Wrap::AnswerTag;
};

Verdict judge(Verifier& v, const Case& c) {
  Task t;
  t.answer = c.gold;
  std::string completion = c.wrap == Wrap::AnswerTag
                               ? "<think>work</think><answer>" + std::string(c.answer) + "</answer>"
                               : std::string(c.answer);
  return v.verify(t, completion);
}

std::string describe(const Case& c, const Verdict& d) {
  return std::string("gold '") + c.gold + "' answer '" + c.answer + "'" +
         (c.wrap == Wrap::FreeText ? " (free text)" : "") + ": " + d.to_json().dump();
}

// Every case scores exactly `score` (0 or 1), and none is a verifier error.
void expect_score(const std::vector<Case>& cases, double score) {
  auto v = make_verifier("math");
  for (const Case& c : cases) {
    Verdict d = judge(*v, c);
    EXPECT_EQ(d.correct, score == 1.0) << describe(c, d);
    EXPECT_EQ(d.score, score) << describe(c, d);
    EXPECT_FALSE(d.verifier_error) << describe(c, d);
  }
}
void expect_hacks_score_zero(const std::vector<Case>& cases) {
  expect_score(cases, 0.0);
}
void expect_correct(const std::vector<Case>& cases) {
  expect_score(cases, 1.0);
}

constexpr Wrap kFree = Wrap::FreeText;

// Item 4 and its class: both sides overflow to infinity, underflow to zero, or round to the
// same double, and then compare equal.
TEST(MathHacks, PrecisionLossNeverMakesAWrongAnswerEqual) {
  expect_hacks_score_zero({
      {"\\sqrt{2}\\cdot 10^{400}", "7\\cdot 10^{400}"},  // both +inf as doubles
      {"\\sqrt{2}\\cdot 10^{400}", "-7\\cdot 10^{400}"},
      {"\\pi \\cdot 2^{5000}", "3\\cdot 2^{5000}"},
      {"\\exp(1000)", "\\exp(1001)"},
      {"\\sqrt{2}\\cdot 171!", "\\sqrt{2}\\cdot 172!"},    // the gamma function overflows
      {"10^{400}x", "10^{401}x"},                          // +-inf at every point
      {"\\sqrt{2}\\cdot 10^{-400}", "2\\cdot 10^{-400}"},  // both underflow to 0
      {"\\sqrt{2}\\cdot 10^{-400}", "0"},
      {"\\sqrt{2}\\cdot 10^{-30}", "7\\cdot 10^{-30}"},  // below an absolute tolerance floor
      {"\\sqrt{2}\\cdot 10^{-30}", "0"},
      {"10^{400}", "1.5\\cdot 10^{400}"},    // a decimal compared through to_double: inf
      {"10^{-400}", "1.5\\cdot 10^{-400}"},  // ... and 0
      {"10^{3000}", "10^{3000}+1"},          // beyond exact limits, then as doubles
      {"2^{100000}", "2^{100000}+1"},
      {"x+10^{20}", "x+10^{20}+1"},  // a big integer beside a variable, as doubles
      {"10^{20}x", "(10^{20}+1)x"},
      {"x + y = 10^{20}", "x + y = 10^{20} + 1"},
      {"\\sin(10^{20}\\sqrt{2})", "0"},  // argument error larger than the period
      {"x + y = \\sqrt{2}", "x + y = \\sqrt{2} + 10^{-7}"},  // ratios within 100 x the tolerance
      {"x^2 + y^2 = \\pi", "x^2 + y^2 = \\pi + 10^{-7}"},
  });
}

// A decimal inside an expression is not a rounded answer: the relative tolerance for decimals
// does not let an exact expression land near the gold (a verifier audit).
TEST(MathHacks, DecimalsInsideExpressionsAreExact) {
  expect_hacks_score_zero({
      {"1000000", "1000001*1.0"},
      {"1234567", "1234567.5*1"},
      {"1234568", "1234567.5*1"},
      {"11,\\! 111,\\! 111,\\! 100", "11111110000 \\cdot 1.0"},
  });
  expect_correct({
      {"1000000", "1000000*1.0"},
      {"0.5", "1/2"},
      {"\\frac{2}{3}", "0.6666667"},
      {"2.5", "5/2"},
  });
}

TEST(MathHacks, HugeAndTinyRightAnswersStillScore) {
  expect_correct({
      {"\\sqrt{2}\\cdot 10^{400}", "10^{400}\\sqrt{2}"},
      {"\\sqrt{2}\\cdot 10^{400}", "\\sqrt{2\\cdot 10^{800}}"},
      {"\\pi \\cdot 2^{5000}", "2^{5000}\\pi"},
      {"\\sqrt{2}\\cdot 10^{-400}", "\\frac{\\sqrt{2}}{10^{400}}"},
      {"\\sqrt{2}\\cdot 10^{-30}", "10^{-30}\\sqrt{2}"},
      {"10^{400}", "1.0\\cdot 10^{400}"},
      {"10^{-400}", "1.0\\cdot 10^{-400}"},
      {"\\ln(10^{400})", "400\\ln 10"},
      {"\\sqrt{2}\\cdot 300!", "300!\\sqrt{2}"},
      {"2^{100000}", "4^{50000}"},
      {"x+10^{20}", "10^{20}+x"},
      {"10^{20}x", "x\\cdot 10^{20}"},
      {"x + y = 10^{20}", "y - 10^{20} = -x"},
      {"\\exp(1000)", "\\exp(500)^2"},
      {"x + y = \\sqrt{2}", "2x + 2y = \\sqrt{8}"},
  });
}

// Item 5 and its class: a number pulled out of text that is not a number.
TEST(MathHacks, DigitsInsideWordsAndExpressionsDoNotScore) {
  expect_hacks_score_zero({
      {"2", "AZYUK2A"},
      {"2", "AZYUK2A", kFree},
      {"2", "$\\frac{1+\\sqrt{5}}{2}$", kFree},
      {"2", "\\frac{1+\\sqrt{5}}{2}"},
      {"2", "Answer: \\sqrt{2}"},
      {"2", "Value: x^2"},
      {"2", "the value x^2", kFree},
      {"2", "H2O"},
      {"2", "It is H2O", kFree},
      {"2", "x2"},
      {"10", "The value is 2^{10}"},
      {"5", "we get \\sqrt{5}", kFree},
  });
}

TEST(MathHacks, HedgedAnswersDoNotScore) {
  expect_hacks_score_zero({
      {"3", "2 or 3"},
      {"3", "2 or 3", kFree},
      {"3", "either 2 or 3"},
      {"5", "1, 2, 3, 4, 5"},
      {"5", "1, 2, 3, 4, 5", kFree},
      {"3", "between 1 and 3", kFree},
      {"3", "\\boxed{2} or \\boxed{3}"},
      {"3", "\\boxed{2} or \\boxed{3}", kFree},
      {"3", "The answer is 2. The answer is 3."},
      {"3", "The answer is 2. Or maybe the answer is 3.", kFree},
      {"3", "It is 2. Or 3.", kFree},
      {"3", "It is 2.\nAlternatively 3", kFree},
      {"18", "18 or more", kFree},
      // Question marks the sentence scan does not stop at, and comparisons before a box (a
      // verifier audit).
      {"18", "\\boxed{18}\\text{?}"},
      {"18", "\\boxed{18} (?)"},
      {"18", "\\boxed{18}\xEF\xBC\x9F"},
      {"18", "So \\boxed{18}\\text{?}", kFree},
      {"18", "She makes 18 (?) dollars.", kFree},
      {"18", "Anything but 18"},
      {"18", "It is anything but 18.", kFree},
      {"18", "anything but \\boxed{18}"},
      {"18", "It is all but \\boxed{18}."},
      {"18", "more than \\boxed{18}"},
      {"18", "more than $\\boxed{18}$"},
      {"18", "It is beyond \\boxed{18}."},
      {"18", "\\geq \\boxed{18}"},
      {"18", "\xE2\x89\xA5 \\boxed{18}"},
      {"18", "\\boxed{18} is the right answer?"},
      {"18", "\\boxed{18}\xE2\x80\xBD"},
  });
}

TEST(MathHacks, WordsThatChangeTheValueDoNotScore) {
  expect_hacks_score_zero({
      {"18", "not 18"},
      {"18", "It is not 18."},
      {"18", "at least 18"},
      {"18", "more than 18"},
      {"18", "It is not 18.", kFree},
      {"18", "at least 18 of them", kFree},
      {"2", "2 million"},
      {"2", "2 thousand dollars"},
      // Plural ordinals and inverses change the value too (a verifier audit).
      {"18", "18 sixths"},
      {"18", "18 twelfths"},
      {"18", "18 \\text{ billionths}"},
      {"18", "18 negatives"},
      {"18", "18 inverses"},
  });
}

TEST(MathHacks, PlainAnswersStillScore) {
  expect_correct({
      {"18", "18 pairs"},  // counted nouns may be what was asked
      {"18", "18 squares"},
      {"18", "18 months"},  // "ths", but no ordinal
      {"18", "18 widths"},
      {"10/9", "\\frac{10}{9}"},
      {"0.4", ".4"},
      {"1000", "1 000"},
      {"1000", "1\\,000"},
      {"1000000", "1 000 000"},
      {"1234.5", "1 234.5"},
      {"18", "She makes $18 every day."},
      {"18", "The answer is 18."},
      {"18", "18 dollars"},
      {"2", "2nd"},
      {"3", "\\boxed{3} and again \\boxed{3}"},
      {"3", "x = 3"},
      {"18", "so we get \\boxed{18}.", kFree},
      {"18", "Thus, the answer is 18.", kFree},
      {"18", "9 * 2 = 18", kFree},
      {"18", "She sells 9 eggs.\nEach costs $2, so she makes 9 * 2 = $18.", kFree},
      {"18", "She makes $18.", kFree},
      {"26", "She has 13 eggs.\n#### 26", kFree},
      {"-7", "value = -7 here", kFree},
      {"2", "Box C is 11 - 9 = 2 dollars more than box B.", kFree},
      {"7", "so that's 84/12 = 7 dozen eggs", kFree},
      // A minimum or maximum may be asked for, and a rounding may be approximate.
      {"18", "He can buy at most \\boxed{18}."},
      {"18", "at least \\boxed{18}"},
      {"3.14", "\\approx \\boxed{3.14}"},
      {"18", "Is it 17? No: \\boxed{18}."},
      // A tilde is LaTeX's tie, a space; before a value it says "about", as \\approx before a
      // box does, which gives a rounded answer: neither claims another value.
      {"1,2", "1,~2"},
      {"18", "\\boxed{~18}"},
      // Comparison words and question marks elsewhere in the sentence (a review of the rules
      // above found these refused).
      {"33", "So the number of positive integers less than 100 is \\boxed{33}."},
      {"11", "The smallest integer greater than 10 is \\boxed{11}."},
      {"47", "The largest prime below 50 is $\\boxed{47}$."},
      {"25", "The number of people over 60 is \\boxed{25}."},
      {"5", "As computed above \\boxed{5}"},
      {"3", "It is split over \\boxed{3} days."},
      {"18", "Adding everything up we get 18.", kFree},
      {"18", "Beyond the first week she saves $18$.", kFree},
      {"18", "She has 18 apples besides the pears.", kFree},
      {"18", "Counting everything gives \\boxed{18}."},
      {"18", "Nothing but \\boxed{18} fits."},
      {"18", "She eats all but the crust, so she has 18 left.", kFree},
      {"18", "She eats all but the crust so she has 18 left."},
  });
}

// A generated task whose prompt holds an expression equal to its answer ("Compute 47+38.")
// sets meta.answer_form (verifiers/math/answer_form.h): restating the expression, or an
// unreduced fraction, is the right value and no answer.
TEST(MathHacks, RestatingTheQuestionsExpressionIsNoAnswer) {
  auto v = make_verifier("math");
  auto verdict = [&](const Task& t, const std::string& answer) {
    return v->verify(t, "<think>work</think><answer>" + answer + "</answer>");
  };
  for (const std::string family : {"arith", "fraction", "linear"}) {
    SCOPED_TRACE(family);
    auto gen = make_generator(family);
    int restated = 0;
    for (const Task& t : generate_tasks(family, 300, 77, 0)) {
      const Verdict solved = v->verify(t, gen->solve(t));
      EXPECT_TRUE(solved.correct) << t.id << ": " << solved.to_json().dump();
      if (family != "linear") {  // "Compute EXPR." (fraction: then an instruction): the
        // expression, as a model would copy it
        const size_t stop = t.prompt.find(". ", 8);
        const std::string expr =
            t.prompt.substr(8, (stop == std::string::npos ? t.prompt.size() - 1 : stop) - 8);
        const Verdict d = verdict(t, expr);
        EXPECT_FALSE(d.correct) << t.id << " restated as '" << expr << "': " << d.to_json().dump();
        if (expr != t.answer) {
          EXPECT_EQ(d.reason, "not_in_answer_form") << t.id << " '" << expr << "'";
          ++restated;
        }
      }
      EXPECT_TRUE(verdict(t, t.answer).correct) << t.id;
    }
    if (family != "linear") {
      EXPECT_GT(restated, 250);
    }
  }
  Task t;
  t.verifier = "math";
  t.answer = "19/12";
  t.meta = {{"answer_form", "reduced"}};
  for (const char* ok : {"19/12", "\\frac{19}{12}", "\\dfrac{19}{12}", "$19/12$", "x = 19/12"})
    EXPECT_TRUE(verdict(t, ok).correct) << ok;
  t.answer = "-5/2";
  for (const char* ok : {"-5/2", "-\\frac{5}{2}", "\\frac{-5}{2}", "-2.5"})
    EXPECT_TRUE(verdict(t, ok).correct) << ok;
  for (const char* bad : {"-10/4", "\\frac{-10}{4}", "-5/2*1"})
    EXPECT_FALSE(verdict(t, bad).correct) << bad;
  t.answer = "3/4";
  for (const char* ok : {"\\frac34", ".75", "0.75"}) EXPECT_TRUE(verdict(t, ok).correct) << ok;
  t.answer = "123456789012345678901/2";  // past 64 bits: still checked for lowest terms
  EXPECT_TRUE(verdict(t, "123456789012345678901/2").correct);
  EXPECT_FALSE(verdict(t, "246913578024691357802/4").correct);
  t.answer = "19/12";
  for (const char* bad : {"38/24", "\\frac{38}{24}", "1+7/12", "19/12*1", "(19)/(12)", "1.9e1/12"})
    EXPECT_FALSE(verdict(t, bad).correct) << bad;
  t.answer = "2";
  for (const char* ok : {"2", "2.0", "+2"}) EXPECT_TRUE(verdict(t, ok).correct) << ok;
  for (const char* bad : {"4/2", "2/1", "\\frac{4}{2}", "1+1"})
    EXPECT_FALSE(verdict(t, bad).correct) << bad;
  t.answer = "1000000";
  t.meta = {{"answer_form", "integer"}};
  for (const char* bad : {"1.0000005e6", "1000000.5*1", "1e6", "1000000.0", "999999+1"})
    EXPECT_FALSE(verdict(t, bad).correct) << bad;
  for (const char* ok : {"1000000", "1,000,000", "\\boxed{1000000}"})
    EXPECT_TRUE(verdict(t, ok).correct) << ok;
  t.meta = {{"answer_form", "words"}};
  for (const char* any : {"1000000", "7"}) {  // right or wrong: the task is at fault
    const Verdict unknown = verdict(t, any);
    EXPECT_TRUE(unknown.verifier_error) << unknown.to_json().dump();
    EXPECT_NE(unknown.to_json().dump().find("words"), std::string::npos);
  }
}

// An exact gold against an answer that is not rational: equal only through an identity, which
// floating point keeps to about 1e-16, so a term under the 1e-8 tolerance does not pass (found
// by a verifier audit).
// A gold word in \text{} is a word: a two-letter one is not a product of two symbols, so its
// letters in another order ("on" for "no") or multiplied ("n*o") do not score.
TEST(MathHacks, WordGoldsAreWordsNotProducts) {
  expect_score({{"\\text{no}", "on"},
                {"\\text{no}", "n*o"},
                {"\\text{no}", "o n"},
                {"\\text{no}", "\\text{on}"},
                {"\\textbf{no}", "on"},
                {"$\\text{no}$", "on"},
                {"\\text{even}", "neve"},
                {"\\text{no}", "0"}},
               0.0);
  expect_score({{"\\text{no}", "no"},
                {"\\text{no}", "No"},
                {"\\text{no}", "NO"},
                {"\\text{no}", "\\text{No}"},
                {"\\text{no}", "\\boxed{\\text{no}}"},
                {"\\text{Navin}", "navin"},
                {"ab", "ba"}},  // not a word: a product of two symbols
               1.0);
}

// An identity that lands on zero is zero (a relative tolerance cannot judge a value against 0,
// so these were numeric_undecided); a small nonzero value is not, nor one whose terms are too
// large for the doubles to tell.
TEST(MathHacks, IdentitiesThatLandOnZeroScoreAndSmallValuesDoNot) {
  expect_score({{"0", "\\cos\\frac{\\pi}{2}"},
                {"0", "\\sin\\pi"},
                {"0", "\\sin^2 x + \\cos^2 x - 1"},
                {"0", "\\ln 1"}},
               1.0);
  expect_score({{"0", "\\sin(10^{-20})"},
                {"0", "10^{-20}"},
                {"0", "\\pi - 3.14159265358979"},
                {"0", "e^{\\pi\\sqrt{163}} - 262537412640768744"},
                {"0", "\\cos\\frac{\\pi}{3}"}},
               0.0);
}

TEST(MathHacks, TinyIrrationalTermsDoNotMatchAnExactGold) {
  expect_hacks_score_zero({{"5", "5 + 10^{-8}\\pi"},
                           {"18", "18 + 10^{-10}\\pi"},
                           {"123456789", "123456790\\cdot\\sin^2 x + 123456790\\cdot\\cos^2 x"},
                           {"1", "1 + 10^{-9}\\sqrt{2}"}});
  expect_correct({{"3", "\\log_2 8"},
                  {"1", "\\sin^2 x + \\cos^2 x"},
                  {"\\frac{1}{2}", "\\sin\\frac{\\pi}{6}"},
                  {"4", "\\sqrt{2}\\cdot\\sqrt{8}"},
                  {"2", "e^{\\ln 2}"}});
}

// A dataset's task has no answer_form: the question's own expression, copied or rearranged, is
// still no answer. Before the fix, 34 of MATH-500's 500 problems had a math span in the question
// that scored 1 when given back as the answer (GoldDatasets.Math500QuestionSpansAreNoAnswers).
TEST(MathHacks, RestatingADatasetQuestionIsNoAnswer) {
  auto v = make_verifier("math");
  struct Row {
    const char* prompt;
    const char* gold;
    std::vector<const char*> restated, answered;
  } rows[] = {
      {"Compute $\\dbinom{31}{28}$.",
       "4495",
       {"\\dbinom{31}{28}", "\\binom{31}{28}", "\\dbinom{31}{28}+0", "\\binom{31}{28}\\cdot 2/2"},
       {"4495", "4,495", "\\boxed{4495}"}},
      {"Find $99^2+99+1$.",
       "9901",
       {"99^2+99+1", "1+99+99^2", "99 \\cdot 99 + 99 + 1", "99^2+99+1+0", "(99^2+99+1)"},
       {"9901"}},
      // Brackets, braces and identities around the question's expression (a verifier audit).
      {"Simplify $\\sqrt{242}$.",
       "11\\sqrt2",
       {"\\sqrt{242}", "\\sqrt{242}.", "(\\sqrt{242})", "{\\sqrt{242}}", "+\\sqrt{242}",
        "\\sqrt{(242)}", "\\sqrt{242}^{1}", "\\left(\\sqrt{242}\\right)", "\\sqrt{242}\\cdot 1",
        "-(-\\sqrt{242})"},
       {"11\\sqrt{2}", "11 \\sqrt 2"}},
      {"Write $0.15$ as a fraction in lowest terms.",
       "\\frac{3}{20}",
       {"0.15", "$0.15$"},
       {"\\frac{3}{20}", "3/20"}},
      {"Express $\\frac{57}{160}$ as a terminating decimal.",
       ".35625",
       {"\\frac{57}{160}", "57/160", "\\frac{57}{160}+0"},
       {"0.35625", ".35625"}},
      // A prompt expression inside a worked answer of a non-literal gold is no restatement.
      {"The radius is $2$. Give the area in terms of $\\pi$.",
       "4\\pi",
       {},
       {"4\\pi", "\\pi \\cdot 4"}},
      // Numbers beside a prompt expression change its value: an answer, not an identity (a
      // review found these read as restatements).
      {"Give the area in terms of $\\pi$.", "100\\pi", {}, {"\\pi \\cdot 100", "100 \\cdot \\pi"}},
      {"Give the area in terms of $\\pi$.", "10\\pi", {}, {"\\pi \\cdot 10", "\\pi*10"}},
      {"Add one to $\\sqrt{2}$.", "1+\\sqrt{2}", {}, {"\\sqrt{2}+1", "1+\\sqrt2"}},
      {"Simplify $\\sqrt{242}$.", "11\\sqrt2", {"1\\cdot\\sqrt{242}", "\\sqrt{242}/1"}, {}},
      // Arithmetic that gives back what it was handed: the span is worth the gold already.
      {"Simplify $\\sqrt{242}$.",
       "11\\sqrt2",
       {"2*\\sqrt{242}/2", "2\\sqrt{242}/2", "\\frac{3\\sqrt{242}}{3}", "\\sqrt{242}+1-1",
        "\\sqrt{242}\\cdot\\frac{2}{2}", "(\\sqrt{242})^2/\\sqrt{242}"},
       {"11\\sqrt{2}", "\\sqrt{2}\\cdot 11"}},
      // A span of another value inside a worked answer is part of the work.
      {"Let $x = \\sqrt{2}$. Compute $x^3$.",
       "2\\sqrt{2}",
       {},
       {"2\\sqrt{2}", "\\sqrt{2}\\cdot 2", "2\\sqrt2"}},
      {"Rationalise the denominator: $\\sqrt{3}$ is the answer's form.",
       "\\sqrt{3}",
       {},
       {"\\frac{3}{\\sqrt{3}}"}},
      {"Is $\\sqrt{8}$ equal to $2\\sqrt{2}$? Give the simplest form of $\\sqrt{8}$.",
       "2\\sqrt{2}",
       {"\\sqrt{8}", "2\\sqrt{8}/2"},
       {"2\\sqrt{2}", "\\sqrt{2}\\cdot 2"}},
      // A literal of the gold's kind may be the option chosen: an answer, whatever its spelling.
      {"Which is larger, $\\frac34$ or $\\frac23$?",
       "\\frac{3}{4}",
       {},
       {"\\frac34", "\\frac{3}{4}", "0.75"}},
      {"If $a = 9$ and $b = 2$, what is $ab$?",
       "18",
       {"2\\cdot9", "9 \\times 2", "(9)(2)"},
       {"18", "9 \\cdot 2 = 18", "18.0"}},
      {"Let $n = 5$. What is $n$?", "5", {}, {"5", "n = 5"}},
      // A gold equation takes an answer solved for a letter, unless the question gave that
      // equation so (a review: "y = 3 + 2x" passed as the standard form of "y = 2x + 3").
      {"Write the line $y = 2x + 3$ in standard form $Ax + By = C$.",
       "2x - y = -3",
       {"y = 3 + 2x", "y = 2\\cdot x + 3", "y = \\frac{4x+6}{2}", "y = x + x + 3"},
       {"2x - y = -3", "-2x + y = 3"}},
      {"Write $2x + 3 = y$ in standard form.",
       "2x - y = -3",
       {"y = 3 + 2x", "3 + 2x = y", "{y} = 3+2x"},
       {"-2x + y = 3"}},
      {"Write the line $y = 2x + 3$ in the form $Ax + By = C$.",
       "2x - y = -3",
       {"3 + 2x = y", "{y} = 3+2x", "2x+3 = {y}", "(y) = 3+2x", "\\left(y\\right) = 3+2x",
        "+y = 3+2x"},
       {"2x - y = -3"}},
      // A gold with the letter alone is that form itself: either order of it is the answer.
      {"Write $y = x^2 - 4x + 7$ in vertex form.",
       "y = (x-2)^2 + 3",
       {},
       {"(x-2)^2+3 = y", "y = (x-2)^2 + 3"}},
      {"Solve $x = 2y + 3$ for $y$.", "x - 2y = 3", {}, {"y = \\frac{x-3}{2}"}},
      {"Find the line through $(0, 1)$ and $(2, 2)$.", "2y = x + 2", {}, {"y = 0.5x + 1"}},
      // Solved for another letter, or from an equation in another form, it is work.
      {"Solve $y = 2x + 3$ for $x$.", "2x = y - 3", {}, {"x = \\frac{y-3}{2}"}},
      {"Rewrite $2x - y = -3$ in another form.", "2x - y = -3", {}, {"y = 2x + 3"}},
  };
  for (const Row& r : rows) {
    Task t;
    t.prompt = r.prompt;
    t.answer = r.gold;
    for (const char* a : r.restated) {
      const Verdict d = v->verify(t, std::string("<think>w</think><answer>") + a + "</answer>");
      EXPECT_FALSE(d.correct) << r.prompt << " answered '" << a << "': " << d.to_json().dump();
      EXPECT_EQ(d.reason, "restates_question") << r.prompt << " '" << a << "'";
    }
    for (const char* a : r.answered) {
      const Verdict d = v->verify(t, std::string("<think>w</think><answer>") + a + "</answer>");
      EXPECT_TRUE(d.correct) << r.prompt << " answered '" << a << "': " << d.to_json().dump();
    }
  }
}

}  // namespace
}  // namespace r1
