// Tables for the `countdown`, `step` and `exact` verifiers.
#include <gtest/gtest.h>

#include <cstdio>

#include "tasks/generator.h"
#include "verifiers/registry.h"
#include "verifiers/step/claim_notation.h"
#include "verifiers/step/claims.h"

namespace r1 {
namespace {

Task countdown_task(std::vector<int> numbers, int target) {
  Task t;
  t.family = "countdown";
  t.verifier = "countdown";
  t.meta = {{"numbers", numbers}, {"target", target}};
  return t;
}

std::string wrap(const std::string& answer) {
  return "<think>search</think><answer>" + answer + "</answer>";
}

TEST(CountdownVerifier, Table) {
  auto v = make_verifier("countdown");
  Task t = countdown_task({25, 5, 4, 3}, 83);
  struct Case {
    const char* answer;
    bool correct;
    const char* reason;
  } cases[] = {
      {"(25 - 5) * 4 + 3", true, "ok"},
      {"3 + 4 * (25 - 5)", true, "ok"},
      {"(25-5)*4+3 = 83", true, "ok"},
      {"$(25 - 5) \\times 4 + 3$", true, "ok"},
      {"(25 \xE2\x88\x92 5) \xC3\x97 4 + 3", true, "ok"},  // − and ×
      {"(25 - 5) * 4 + 3 = 84", false, "claimed_result_not_target"},
      {"(25 - 5) * 4 + 4", false, "numbers_mismatch"},  // 4 twice, 3 unused
      {"(25 - 5) * 4", false, "numbers_mismatch"},      // 3 unused
      {"(25 - 5) * 4 + 3 + 0", false, "numbers_mismatch"},
      {"25 * 5 - 4 * 3", false, "wrong_value"},                // 113
      {"-(5 - 25) * 4 + 3", false, "unparseable_expression"},  // unary minus is not allowed
      {"(25 - 5) ^ 4 + 3", false, "unparseable_expression"},
      {"25 / (5 - 5) + 4 + 3", false, "numbers_mismatch"},
      {"(25 - 5) * 4 + 3)", false, "unparseable_expression"},
      {"eighty three", false, "unparseable_expression"},
      {"", false, "no_answer"},
  };
  for (const auto& c : cases) {
    Verdict d = v->verify(t, wrap(c.answer));
    EXPECT_EQ(d.correct, c.correct) << c.answer << " " << d.to_json().dump();
    EXPECT_EQ(d.reason, c.reason) << c.answer << " " << d.to_json().dump();
    EXPECT_FALSE(d.verifier_error);
  }
  // Exact rationals: intermediate fractions are fine, floating point would not be.
  Task frac = countdown_task({3, 3, 8, 8}, 24);
  EXPECT_TRUE(v->verify(frac, wrap("8 / (3 - 8 / 3)")).correct);
  EXPECT_EQ(v->verify(frac, wrap("8 / (3 - 8) / 3")).reason, "wrong_value");
  Task zero = countdown_task({2, 2, 5}, 5);
  EXPECT_EQ(v->verify(zero, wrap("5 / (2 - 2)")).reason, "division_by_zero");
  EXPECT_EQ(v->verify(t, "no tags at all").reason, "no_answer");
  EXPECT_TRUE(v->verify(t, "so \\boxed{(25-5)*4+3}").correct);
  // Right answers in the notations models write (an audit found each scored 0): LaTeX math
  // delimiters and spacing, a boxed claimed result, markdown around the answer, a line break.
  for (const char* right : {"\\( 8/(3-8/3) \\)", "\\[ 8/(3-8/3) \\]", "8/(3-8/3) = \\boxed{24}",
                            "$8/(3-8/3) = \\boxed{24}$", "8\\,/\\,(3-8/3)", "**8/(3-8/3)**",
                            "`8/(3-8/3)`", "8/\n(3-8/3)", "8\xC2\xA0/ (3-8/3)"})
    EXPECT_TRUE(v->verify(frac, wrap(right)).correct) << right;
  EXPECT_EQ(v->verify(frac, wrap("8/(3-8/3) = \\boxed{25}")).reason, "claimed_result_not_target");
  EXPECT_EQ(v->verify(frac, wrap("**8/(3-8)/3**")).reason, "wrong_value");
}

TEST(CountdownVerifier, BadTaskIsAVerifierError) {
  auto v = make_verifier("countdown");
  Task t;
  t.meta = {{"numbers", {1, 2}}};
  Verdict d = v->verify(t, wrap("1+2"));
  EXPECT_TRUE(d.verifier_error);
  EXPECT_EQ(d.reason, "task_meta_invalid");
  t.meta = {{"numbers", {1, "2"}}, {"target", 3}};
  EXPECT_TRUE(v->verify(t, wrap("1+2")).verifier_error);
}

TEST(StepClaims, FindsClaimLines) {
  ClaimScan s = find_claims(
      "We multiply.\n"
      "347*8 = 2776\n"
      "  - 2776 + 4 = 2780.\n"
      "So x = 5 here\n"           // letters: prose
      "1 = 1 = 2\n"               // a chain: two claims
      "= 12\n"                    // continues the chain: 2 = 12
      "3 \xC3\x97 4 = 12\n"       // ×
      "12 \xE2\x82\xAC = 12\n");  // € is not arithmetic
  ASSERT_EQ(s.claims.size(), 6u);
  EXPECT_EQ(s.claims[0].lhs, "347*8");
  EXPECT_EQ(s.claims[0].rhs, "2776");
  EXPECT_EQ(s.claims[0].line, 2u);
  EXPECT_EQ(s.claims[1].lhs, "2776 + 4");
  EXPECT_EQ(s.claims[1].rhs, "2780");
  EXPECT_EQ(s.claims[2].rhs, "1");
  EXPECT_EQ(s.claims[3].lhs, "1");
  EXPECT_EQ(s.claims[3].rhs, "2");
  EXPECT_EQ(s.claims[4].text(), "2 = 12");
  EXPECT_EQ(s.claims[4].line, 6u);
  EXPECT_EQ(s.claims[5].line, 7u);
}

// A search trace checks each result against its target: "a = b != c" is two claims, the
// second an unequal one; "!=" and "≠" both say it, "!" alone is not arithmetic.
TEST(StepClaims, FindsUnequalClaimsInChains) {
  ClaimScan s = find_claims(
      "35+3 = 38 != 36\n"
      "12*3 = 36\n"
      "38 \xE2\x89\xA0 36\n"  // ≠
      "5! = 120\n"            // a factorial is not in the claim grammar: prose
      "back\n"
      "7 != 7\n");
  ASSERT_EQ(s.claims.size(), 5u);
  EXPECT_EQ(s.claims[0].text(), "35+3 = 38");
  EXPECT_FALSE(s.claims[0].unequal);
  EXPECT_EQ(s.claims[1].text(), "38 != 36");
  EXPECT_TRUE(s.claims[1].unequal);
  EXPECT_EQ(s.claims[1].line, 1u);
  EXPECT_FALSE(s.claims[2].unequal);
  EXPECT_TRUE(s.claims[3].unequal);
  EXPECT_EQ(s.claims[3].lhs, "38");
  EXPECT_EQ(s.claims[3].rhs, "36");
  EXPECT_EQ(s.claims[4].line, 6u);
  EXPECT_EQ(claim_truth_name(check_claim(s.claims[1]).truth), std::string("true"));
  EXPECT_EQ(claim_truth_name(check_claim(s.claims[4]).truth), std::string("false"));
}

// Each claim knows where its relation and right side sit in the text: what a false claim got
// wrong, and what a span penalty pushes down.
TEST(StepClaims, SpansCoverTheRelationAndTheRightSide) {
  const std::string text = "try\n  - 6-6 = 2.\n35+3 = 38 != 36\n38 \xE2\x89\xA0 40\n";
  ClaimScan s = find_claims(text);
  ASSERT_EQ(s.claims.size(), 4u);
  auto span = [&](size_t k) {
    return text.substr(s.claims[k].relation_begin,
                       s.claims[k].rhs_end - s.claims[k].relation_begin);
  };
  EXPECT_EQ(span(0), "= 2");  // the list marker and the full stop are not part of it
  EXPECT_EQ(span(1), "= 38");
  EXPECT_EQ(span(2), "!= 36");
  EXPECT_EQ(span(3), "\xE2\x89\xA0 40");
}

// A claim inside a sentence is still a claim: words around it do not hide a false one (found
// by a verifier audit: "6-6 = 2 apples" and "So 6*6 = 35." were prose, never checked). What
// continues an expression (a variable, a LaTeX command, a percent, a ratio) holds no claim.
TEST(StepClaims, ClaimsInsideProseAreFoundAndFragmentsAreNot) {
  struct Case {
    const char* line;
    std::vector<std::string> claims;  // each "lhs = rhs" / "lhs != rhs"
  } cases[] = {
      {"6-6 = 2 apples", {"6-6 = 2"}},
      {"So 6*6 = 35.", {"6*6 = 35"}},
      {"Step 1: 6-6 = 2", {"6-6 = 2"}},
      {"Total = 6-6 = 2", {"6-6 = 2"}},
      {"x = 6-6 = 0", {"6-6 = 0"}},
      {"6*6 = 35 \xE2\x9C\x93", {"6*6 = 35"}},  // ✓
      {"6*6 = 35:", {"6*6 = 35"}},
      {"6*6=35!", {"6*6 = 35"}},  // false as an exclamation and as a factorial (35!)
      {"`6*6 = 35`", {"6*6 = 35"}},
      {"$6-6 = 2$", {"6-6 = 2"}},
      {"> 6-6 = 2", {"6-6 = 2"}},
      {"6-6 = 2 # note", {"6-6 = 2"}},
      {"6-6 == 2", {"6-6 = 2"}},
      {"2+2 = 4; 6-6 = 2", {"2+2 = 4", "6-6 = 2"}},
      {"2+2 = 4, 3+3 = 6", {"2+2 = 4", "3+3 = 6"}},
      // A list in brackets is a list too: read whole, no claim was found, and a false one hid
      // beside true ones under "all_true" (an audit).
      {"(3*4 = 12, 6*7 = 43)", {"3*4 = 12", "6*7 = 43"}},
      {"So (3*4 = 12, 6*7 = 43) and done.", {"3*4 = 12", "6*7 = 43"}},
      {"then (2 + 2 = 5, 1 + 1 = 2).", {"2 + 2 = 5", "1 + 1 = 2"}},
      {"f(3, 4) = 7", {}},
      {"So ((3*4 = 12, 6*7 = 43)) and done.", {"3*4 = 12", "6*7 = 43"}},
      // Text before and after such a list is read too (a review: "(1, 1 = 1)" after a false
      // claim hid it).
      {"6*7 = 43 (1, 1 = 1)", {"6*7 = 43", "1 = 1"}},
      {"(3*4 = 12, 1+1 = 2) 6*7 = 43", {"3*4 = 12", "1+1 = 2", "6*7 = 43"}},
      {"6*7 = 43 ((3*4 = 12, 1+1 = 2))", {"6*7 = 43", "3*4 = 12", "1+1 = 2"}},
      // A word that starts the next thought parts two claims ("12 so 6" hid both).
      {"3*4 = 12 so 6*7 = 43", {"3*4 = 12", "6*7 = 43"}},
      {"He leaves with $25 because 125 - 100 = 25", {"125 - 100 = 25"}},
      {"(1, 1 = 1) and 6*7 = 43", {"1 = 1", "6*7 = 43"}},
      {"(1, 1 = 1) and then f(3) = 9", {"1 = 1"}},
      {"She has (2 + 2 = 4, 3 + 1 = 4) and twice 3 = 6 apples.", {"2 + 2 = 4", "3 + 1 = 4"}},
      {"3*4 = 12 so 43 = 6*7", {"3*4 = 12", "43 = 6*7"}},  // after a claim, always a border
      {"We get 12 so 42 = 6*7 + 1", {"42 = 6*7 + 1"}},
      {"3*4 = 12 then - 6*7 = 43", {"3*4 = 12", "- 6*7 = 43"}},
      {"Take 50 then - 10 = 40", {}},  // the connective goes on before an operator
      {"3 + 4 then 5 = 12", {}},       // ... and, after a number, before a lone number
      {"5 + 5 = 10 then 10 * 2 = 20", {"5 + 5 = 10", "10 * 2 = 20"}},
      {"Answer 42 (3*4 = 12, 6*7 = 43).", {"3*4 = 12", "6*7 = 43"}},
      {"So 5 + (6*7 = 43, 3*4 = 12)", {"6*7 = 43", "3*4 = 12"}},
      {"So (1, 6*7 = 43) done.", {"6*7 = 43"}},
      {"The point (1, 2) is on it.", {}},
      {"gcd(12, 18) = 6", {}},
      {"1. 6*7 = 42", {"6*7 = 42"}},
      {"**6*6 = 36**", {"6*6 = 36"}},
      {"1,234 + 766 = 2,000", {"1,234 + 766 = 2,000"}},
      {"We get 35+3 = 38 != 36, so back", {"35+3 = 38", "38 != 36"}},
      {"6*6 = 35 \xE2\x80\x94 close", {"6*6 = 35"}},  // an em dash before words: punctuation
      // Other notations are read as the grammar's (claim_notation.h).
      {"6 x 6 = 35", {"6 * 6 = 35"}},
      {"6 \xE2\x80\x93 6 = 2", {"6 - 6 = 2"}},                  // en dash
      {"6\xC2\xB2 = 35", {"6^2 = 35"}},                         // ²
      {"10\xE2\x81\xBB\xC2\xB3 = 0.001", {"10^(-3) = 0.001"}},  // ⁻³
      {"6 \\times 6 = 35", {"6 * 6 = 35"}},
      {"$6 \\cdot 6 = 35$", {"6 * 6 = 35"}},
      {"6 \\div 3 = 3", {"6 / 3 = 3"}},
      {"\\frac{6}{3} = 3", {"((6)/(3)) = 3"}},
      {"$\\dfrac{6}{3} = 3$", {"((6)/(3)) = 3"}},
      {"\\frac12 = 0.5", {"(1/2) = 0.5"}},
      {"1\\frac{1}{4} = 1.25", {}},  // a mixed number: left as LaTeX
      {"\\frac{150}{4} = 37 \\frac{1}{2}", {}},
      {"7@\\frac{10}{21} = 1", {}},  // the rewrite still touches what the command touched
      {"2^{10} = 1000", {"2^(10) = 1000"}},
      {"\\sqrt{16} = 5", {"(16^.5) = 5"}},
      {"\\sqrt{9+7} = 5", {"(9+7)^.5 = 5"}},
      {"\\sqrt{9+7}^2 = 5", {}},  // (9+7)^.5^2 would be read wrong: left as LaTeX
      {"$(1+2)(1+71) = 215$", {"(1+2)(1+71) = 215"}},
      // A currency sign inside arithmetic ("$" after an operator) is not math.
      {"She sold $56 / $8 = 6 bouquets.", {"56 / 8 = 6"}},
      {"8 x $3 = 25", {"8 * 3 = 25"}},
      {"It costs $36000-$1200 = 34800", {"36000- 1200 = 34800"}},
      // Words after an operator join the numbers around them; after a number, one word does.
      {"25 + shoe size 5 = 30", {}},
      // ... but not after a dash or slash, which are punctuation as often (a review).
      {"Step 2 - compute 6*6 = 35", {"6*6 = 35"}},
      {"Trying and/or testing 6*6 = 35", {"6*6 = 35"}},
      // More notations: an em dash or hyphen between numbers, glued x, a division slash.
      {"6 \xE2\x80\x94 6 = 2", {"6 - 6 = 2"}},
      {"6\xE2\x80\x90"
       "6 = 2",
       {"6 - 6 = 2"}},  // U+2010
      {"6x6 = 35", {"6*6 = 35"}},
      {"10x10 = 1000", {"10*10 = 1000"}},
      {"6 \xE2\x88\x95 3 = 5", {"6 \xE2\x88\x95 3 = 5"}},
      // An enumeration is no product: "(2) " is a list marker, and a space keeps "(2) 6" apart.
      {"(2) 6*6 = 35", {"6*6 = 35"}},
      {"Case (2) 6*6 = 36 works", {}},
      {"Option 3 (75 - 25) = 50", {}},
      {"(1+2) (1+71) = 216", {"(1+2) (1+71) = 216"}},  // a whole line reads as LaTeX
      // An estimate by rounding the operands states no value; the exact step after it does.
      {"6.9*7.2 \xE2\x89\x88 7*7 = 50", {"7*7 = 50"}},
      {"I have 3 boxes so 6*6 = 35", {"6*6 = 35"}},
      {"\\left(2+3\\right) * 2 = 11", {"(2+3) * 2 = 11"}},
      {"6*6 &= 35 \\\\", {"6*6 = 35"}},
      {"7 \\neq 7", {"7 != 7"}},
      {"6*6 \xE2\x89\x88 35", {"6*6 \xE2\x89\x88 35"}},  // ≈
      {"6*6 \\approx 35", {"6*6 \xE2\x89\x88 35"}},
      // Not claims: the arithmetic continues past the stretch, or nothing is stated.
      {"3x + 6 = 12", {}},
      {"2x+8 = 3x+19", {}},
      {"x - 6 = 2", {}},
      {"6 = 2x", {}},
      {"3 x + 6 = 12", {}},
      {"\\frac{x}{3} = 2", {}},
      {"x\xC2\xB2 = 36", {}},  // x²
      {"0x10 = 16", {}},       // hexadecimal
      {"f(3) = 9", {}},
      {"0.5 = 50%", {}},
      {"3:4 = 6:8", {}},
      {"So x = 5 here", {}},
      {"6-6 => 0", {"6-6 = 0"}},  // an arrow to a lone number states a result
      // Asides in brackets, calls, questions, factorials, words that operate on numbers.
      {"(so 6*6 = 36)", {"6*6 = 36"}},
      {"That is 12 (since 3*4 = 12).", {"3*4 = 12"}},
      {"gcd(12, 18) = 6", {}},
      {"add(2, 3) == 5", {}},
      {"Is 6*7 = 43? No, 6*7 = 42.", {"6*7 = 42"}},
      {"24 = 4!", {"24 = 4"}},  // true as a factorial (Claim::bang)
      {"25 + shoe size 5 = 30", {}},
      {"6*7 = 42 - half", {}},
      {"6*7 = 43 + tax of 2", {}},
      // A word that may go on with the arithmetic after a dash: no claim (a review found "20 =
      // 30" read as false from the first version of the rule).
      {"Since 20 = 30 - discount, the discount is 10.", {}},
      {"The price after tax: 108 = 100 + tax, so tax is 8.", {}},
      {"Half of \\(8 = 4\\)", {}},
      {"10 percent of 50 = 5", {}},
      {"There are 20 = 6!/(3!3!) ways.", {}},
      {"12 = 3! * 2!", {}},
      {"48 = 4! x 2", {}},
      // "of" after anything but a noun of identity, "by" inside a sentence: they operate.
      {"Multiply by 3 = 12", {}},
      {"The sum of the digits of 123 = 6", {}},
      {"The absolute value of -5 = 5", {}},
      {"100/7 = 14 + remainder", {}},
      {"\\(3\\) groups of \\(4 = 12\\)", {}},
      {"120 = 5 * 4!", {}},
      {"20% of 50 = 10", {}},
      {"3 groups of 4 = 12", {}},
      {"7 times 5 = 35", {}},
      {"7 and 5 = 12", {}},
      {"36 = 6 squared", {}},
      {"not 6*7 = 43", {}},
      {"so 17 // 5 = 3", {}},  // Python's floor division: not in the grammar
      // Ways a policy could hide a false claim (a verifier audit, 2026-12-06): a note in
      // brackets, a check mark or emoji, "and" between claims, prose after "by"/"of"/"and",
      // LaTeX math delimiters and environments, Unicode spaces, invisible characters.
      {"22-2 = 21 (target)", {"22-2 = 21"}},
      {"6*7 = 43 (so close)", {"6*7 = 43"}},
      {"6*7 = 43 (not 21)", {"6*7 = 43"}},  // a number in the note: read (integers allowed)
      {"22-20 = 3 != 21 (close)", {"22-20 = 3", "3 != 21"}},
      {"6*7 = 40 (approximately)", {"6*7 \xE2\x89\x88 40"}},
      {"5*3 = 1 (mod 7)", {}},  // the bracket continues the arithmetic
      {"6 = 3 (x - 1)", {}},
      {"6 = 3 (a + b)", {}},
      {"6*7 = 43 (a typo)", {"6*7 = 43"}},  // an article or an abbreviation opens a note
      {"6*7 = 43 (i.e. close)", {"6*7 = 43"}},
      {"10 = 2 (sqrt 25)", {}},
      {"22-2 = 21\xE2\x9C\x85", {"22-2 = 21"}},      // ✅ glued
      {"22-2 = 21\xF0\x9F\x8E\x89", {"22-2 = 21"}},  // 🎉 glued
      {"6*7 = 43 and 4*6 = 24", {"6*7 = 43", "4*6 = 24"}},
      {"So 6*7 = 43 and we go on.", {"6*7 = 43"}},
      {"22-2 = 21 by subtraction", {"22-2 = 21"}},
      {"22-20 = 3 != 21 and", {"22-20 = 3", "3 != 21"}},
      {"*6*7 = 43*", {"6*7 = 43"}},  // markdown italics
      {"6*7 = 43~", {"6*7 = 43"}},
      {"6*7 = 43#", {"6*7 = 43"}},
      {"6*7 = 43 of course", {"6*7 = 43"}},
      {"12 = 7 and 5", {}},  // "and" before a number joins it
      // ... and what those readings must not turn into false claims (a review of them): notes
      // of integer arithmetic are read, and judged by the whole part (the next test).
      {"100/3 = 33 (remainder 1)", {"100/3 = 33"}},
      {"8 / 3 = 2 (and 2 left over)", {"8 / 3 = 2"}},
      {"9 / 2 = 4 (integer division)", {"9 / 2 = 4"}},
      {"50 / 8 = 7 (rounding up)", {"50 / 8 = 7"}},
      {"50 / 8 = 7 (rounded up)", {"50 / 8 = 7"}},
      {"12 = 3 (four)", {"12 = 3"}},
      {"26/5 = 5 (approximately 5.2)", {"26/5 \xE2\x89\x88 5"}},
      {"3 + 2.5 = 5 and a half", {}},
      {"7/2 = 3 and a half hours", {}},
      {"1 + 1/3 = 1 and one-third", {}},
      {"2 * 3 = 6 and 4 = 10", {}},  // maybe 6 + 4 = 10
      {"x = 3 (mod 7)", {}},
      {"f(2) = 4 (by the rule)", {}},
      {"\\begin{vmatrix} 3 & 1 \\\\ 2 & 4 \\end{vmatrix} = 3*4 - 1*2 = 10", {"3*4 - 1*2 = 10"}},
      {"36 = 6 by 6", {}},
      {"\\(6 \\times 7 = 43\\)", {"6 * 7 = 43"}},
      {"\\[ 6 \\times 7 = 43 \\]", {"6 * 7 = 43"}},
      {"\\begin{align} 6*7 &= 43 \\end{align}", {"6*7 = 43"}},
      {"6*7\xC2\xA0= 43", {"6*7 = 43"}},       // no-break space
      {"6*7 \xE2\x80\x8B= 43", {"6*7 = 43"}},  // zero-width space
      {"6*7 = 4\xE2\x80\x8B"
       "3",
       {"6*7 = 43"}},                         // inside the number
      {"6*7 \xEF\xBC\x9D 43", {"6*7 = 43"}},  // fullwidth equals
      {"22-20 = 3 != 21 (close)\xE2\x81\xA6", {"22-20 = 3", "3 != 21"}},
      // A note that opens with a number, a percent or a sum of money is a note too (a later
      // audit, 2026-12-06); a bracket that continues the arithmetic is not.
      {"6*7 = 43 (1 more)", {"6*7 = 43"}},
      {"So 6*7 = 43 (2nd try).", {"6*7 = 43"}},
      {"6*7 = 43 (20%)", {"6*7 = 43"}},
      {"6*7 = 43 ($43 total)", {"6*7 = 43"}},
      {"3*4 = 12 (12 eggs)", {"3*4 = 12"}},
      {"6 = 3 (2)", {"6 = 3 (2)"}},  // a product
      {"6 = 3 (2x)", {}},
      {"6*7 = 43 (2 times 21.5)", {}},
      // A unit glued to the result is a unit; a math word or a letter is not.
      {"4*5 = 21cm", {"4*5 = 21"}},
      {"2*3 = 6pi", {}},
      {"3ab + 2ab = 5ab", {}},
      // A relation in words or as an arrow, after an expression and before a number.
      {"6*7 is 43", {"6*7 = 43"}},
      {"6*7 equals 43", {"6*7 = 43"}},
      {"6*7 is equal to 43", {"6*7 = 43"}},
      {"6*7 gives 43.", {"6*7 = 43"}},
      {"6*7 IS 43", {"6*7 = 43"}},
      {"6*7 is: 43", {"6*7 = 43"}},
      {"So, 6*7 is 43", {"6*7 = 43"}},
      {"6 x 7 is 43", {"6 * 7 = 43"}},
      {"84 / 2 -> 43", {"84 / 2 = 43"}},  // after an arrow a fraction is a division
      {"75-25 gives 51.", {"75-25 = 51"}},
      {"5 + 3 -> 8 * 2 -> 16", {"8 * 2 = 16"}},  // a step: only a lone number is its result
      {"3*5, 7 -> 15, 7", {}},                   // countdown's state lists
      // A word after the number may change what the words mean (a review): left unread.
      {"6*7 gives 43 apples", {}},
      {"90 + 30 is 2 hours", {}},
      {"3 * 4 is 2 more than 10", {}},
      {"2^10 / 7 leaves 2", {}},
      {"6*7 -> 43", {"6*7 = 43"}},
      {"6*7 \xE2\x86\x92 43", {"6*7 = 43"}},  // →
      {"6*7 => 43", {"6*7 = 43"}},
      {"6 * 7 is $43", {"6 * 7 = 43"}},
      {"So 3+4 is 7, and 7*2 is 15.", {"3+4 = 7", "7*2 = 15"}},
      {"the answer is 12", {}},
      {"x*2 is 10", {}},
      {"2x = 6 => x = 3", {}},
      {"pages 2-5 is 4 pages", {}},                 // a range
      {"Since 2/5 is equal to 12.8 hectares", {}},  // a share (GSM8K)
      {"Since 2/5 is 12.8.", {}},
      // The end of a sentence before a claim borders nothing; other units and signs after it.
      {"Done. 3 * 4 = 13", {"3 * 4 = 13"}},
      {"She buys eggs. 3 * 4 = 13.", {"3 * 4 = 13"}},
      {"180 - 60 = 121\xC2\xB0", {"180 - 60 = 121"}},  // °
      {"16 * 16 - 1 = 0xff", {}},
      {"6*7 = 43 (-1 off)", {"6*7 = 43"}},
      {"6*7 = 43(-1 off)", {"6*7 = 43"}},
      {"12 = 4(3 dollars)", {}},  // glued and unsigned: a product
      {"6*7 = 0boxes", {"6*7 = 0"}},
      {"255 = 0xff", {}},
      // Sentences: each claim of "a. b." is read; an ellipsis or a dot for times is no end.
      {"We have 3 * 4 = 12. 12 + 1 = 13.", {"3 * 4 = 12", "12 + 1 = 13"}},
      {"6 * 7 is 42. 3 * 4 is 13.", {"6 * 7 = 42", "3 * 4 = 13"}},
      {"So 1 + 2 + ... 10 = 55 here", {}},
      {"So 2 . 3 = 6 here", {}},
      {"6*7 is 43 so we continue", {"6*7 = 43"}},
      {"6*7 is 43 \xE2\x9C\x93", {"6*7 = 43"}},  // ✓
      {"6*7 is 43...", {"6*7 = 43"}},
      {"2, 3 + 5 -> 2, 8", {}},  // countdown's state lists, the expression last
      {"6 times 7 is 43", {}},
      // A traced condition judges the claim before it (pyoutput's worked solutions).
      {"1 == 0 is False", {"1 != 0"}},
      {"0 == 0 is True", {"0 = 0"}},
      {"3 != 3 is False", {"3 = 3"}},
  };
  for (const Case& c : cases) {
    ClaimScan s = find_claims(c.line);
    std::vector<std::string> got;
    for (const Claim& k : s.claims) got.push_back(k.text());
    EXPECT_EQ(got, c.claims) << c.line;
  }
  // The false claim in a sentence is a wrong span the penalty can find.
  const std::string text = "So 6*6 = 35 apples.";
  ClaimScan s = find_claims(text);
  ASSERT_EQ(s.claims.size(), 1u);
  EXPECT_EQ(text.substr(s.claims[0].relation_begin,
                        s.claims[0].rhs_end - s.claims[0].relation_begin),
            "= 35");
  EXPECT_EQ(claim_truth_name(check_claim(s.claims[0]).truth), std::string("false"));
}

// What a policy could still write to hide a false result, after the first audit (a second
// audit and its review, 2026-12-06): a sentence's end before the claim ("Done. 3 * 4 = 13"), a
// note that opens with a number or a sum ("= 43 (1 more)", "= 43 ($43 total)"), a glued unit
// ("= 21cm", "= 121°"), a result said in words or with an arrow ("6*7 is 43", "6*7 -> 43").
// Each such claim is now read and judged; before, none was found. A number note after a
// division may still cut it, as a worded note may.
TEST(StepClaims, ResultsInWordsArrowsUnitsAndNumberNotesAreJudged) {
  const std::vector<std::pair<const char*, bool>> rows = {
      {"6*7 = 43 (1 more)", false},
      {"6*7 = 42 (1 more than 41)", true},
      {"6*7 = 43 (20%)", false},
      {"6*7 = 43 ($43 total)", false},
      {"She pays 6*7 = 43 (7 days)", false},
      {"100/3 = 33 (1 left)", true},
      {"100/3 = 34 (1 left)", false},
      {"4*5 = 20cm", true},
      {"4*5 = 21cm", false},
      {"6*7 = 43hrs", false},
      {"6*7 is 42", true},
      {"6*7 is 43", false},
      {"6*7 equals 43", false},
      {"6*7 makes 43", false},
      {"(3+1)/4 is 1", true},
      {"6*7 -> 43", false},
      {"6*7 \xE2\x87\x92 43", false},  // ⇒
      {"6 * 7 is $43", false},
      {"Done. 3 * 4 = 13", false},
      {"So, 6*7 is 43", false},
      {"6 \xC3\x97 7 is 43", false},  // ×
      {"84 / 2 -> 43", false},
      {"180 - 60 = 121\xC2\xB0", false},
      {"6*7 = 43(-1 off)", false},
      {"It is 12. 12 + 1 = 14.", false},
      // A claim in brackets of its own after words (each side alone was unbalanced, and
      // "43 apples (" joined it to the number before the words).
      {"We get (6*7 = 43).", false},
      {"There are 43 apples (6*7 = 43).", false},
      {"There are 42 apples (6*7 = 42).", true},
      {"a (6*7 = 43)", false},
      {"(6*7 = 43) apples", false},
      // A '!' ending the sentence: an exclamation or a factorial, true when either is.
      {"6*7 = 43!", false},
      {"3*7 = 21!", true},
      {"4*6 = 4!", true},
      {"6*7 = 43! Great.", false},
      // A dash between spaces before a word that comments on the claim is punctuation.
      {"6*7 = 43 - done", false},
      {"6*7 = 42 - done", true},
      {"6*7 = 43 // check", false},
      {"6*7 = 43 -- ok", false},
      {"So 6*7 = 43 - done in 2 steps", false},
      // Its review: an exclamation before other punctuation, a lone number that is not whole,
      // and LaTeX's inline delimiters as borders (as '$' is).
      {"**6*7 = 43!**", false},
      {"So 6*7 = 43!, next.", false},
      {"So 6*7 = 43.5!", false},
      {"There are 43 apples \\(6*7 = 43\\).", false},
      // A second review: after a computed left side, any of + - * / before prose; '!' before
      // any punctuation; a signed factorial.
      {"6*7 = 43 + yes", false},
      {"6*7 = 43 / ok", false},
      {"6*7 = 43 - we are done", false},
      {"6*7 = 43!?", false},
      {"So -6 = -3!", true},
      // "of" and "by" in prose hide nothing (before, any "of" before a claim did).
      {"The product of 6*7 = 43.", false},
      {"By 6*7 = 43 we get it.", false},
      {"The value of $6 \\times 7 = 43$.", false},
      {"They spent a total of $20 + $15 = $35.", true},
      {"6*7 = 43!\xF0\x9F\x8E\x89", false},  // 🎉
      {"6*7 = 43 - with that settled", false},
  };
  for (const auto& [line, ok] : rows) {
    const ClaimScan s = find_claims(line);
    ASSERT_EQ(s.claims.size(), 1u) << line;
    EXPECT_EQ(check_claim(s.claims[0]).ok(), ok) << line;
  }
  // The span of a result said in words starts at the word: the penalty marks what was written.
  const std::string text = "So 6*7 is 43.";
  const ClaimScan s = find_claims(text);
  ASSERT_EQ(s.claims.size(), 1u);
  EXPECT_EQ(
      text.substr(s.claims[0].relation_begin, s.claims[0].rhs_end - s.claims[0].relation_begin),
      "is 43");
}

// A note with a number or a word of integer division after a division ("100/3 = 33 (remainder
// 1)") says the arithmetic may be cut: the right side may be the left cut down at its own last
// place, or up where the note says up or round. It hides nothing else: before, such a note kept
// the claim from being read at all, so "7*3 = 43 (not 21)" raised a lying trace's step score (a
// verifier audit, 2026-12-06), and a first version of the reading allowed any left side within 1
// ("7.2 + 0.9 = 9 (for 2 items)"; its review).
TEST(StepClaims, NotesOfCutArithmeticCutOnlyADivision) {
  const std::vector<std::pair<const char*, bool>> rows = {
      {"100/3 = 33 (remainder 1)", true},
      {"8 / 3 = 2 (and 2 left over)", true},
      {"9 / 2 = 4 (integer division)", true},
      {"50 / 8 = 7 (rounding up)", true},
      {"8/3 = 2 (not 2.67)", true},
      {"2/3 = 0.66 (to 2 decimal places)", true},
      {"10/3 = 3.34 (rounded up to the nearest cent)", true},
      {"7*3 = 21 (from step 2)", true},
      {"26/5 = 5 (approximately 5.2)", true},
      {"6*7 = 43 (not 21)", false},
      {"7*3 = 43 (so 1)", false},
      {"7*3 = 43 (from step 2)", false},
      {"10/3 = 4 (remainder 1)", false},  // cut down unless the note says up
      {"15/4 = 4 (so 4 boxes)", false},
      {"10/3 = 5 (rounded up)", false},
      {"10/3 = 3.5 (rounded)", false},
      {"7.2 + 0.9 = 9 (for 2 items)", false},  // no division to cut
      {"3*2.1 = 7 (step 2)", false},
      {"0.9+0.9 = 1 (per day)", false},
      {"1/2 * 1/2 = 1 (each)", false},
      {"12 = 3 (four)", false},
      {"9 / 2 = 4 (so far)", false},  // a note without a number says nothing of cutting
      {"9 / 2 = 4", false},
      {"12*10 = 130 (square feet)", false},  // a unit, not "(square 5)"
      {"3*20 = 70 (min)", false},
  };
  for (const auto& [line, ok] : rows) {
    const ClaimScan s = find_claims(line);
    ASSERT_EQ(s.claims.size(), 1u) << line;
    EXPECT_EQ(check_claim(s.claims[0]).ok(), ok) << line;
  }
  EXPECT_TRUE(find_claims("5*3 = 1 (mod 7)").claims.empty());  // these continue the arithmetic
  EXPECT_TRUE(find_claims("6 = 36 (squared)").claims.empty());
}

// Notation rewritten for reading keeps its bytes where they were: the span of a false claim is
// the text the policy wrote.
TEST(StepClaims, RewrittenNotationKeepsItsSpans) {
  struct Case {
    std::string text, span;
  } cases[] = {
      {"So $6 \\times 6 = 35$ apples.", "= 35"},
      {"then \\frac{6}{3} = 3, so", "= 3"},
      {"6\xC2\xB2 = 35", "= 35"},
      {"6*6 \\approx 35", "\\approx 35"},
      // Invisible characters leave before reading; the span is still the policy's bytes.
      {"6*7 = 4\xE2\x80\x8B"
       "3 so",
       "= 4\xE2\x80\x8B"
       "3"},
      {"6*7\xE2\x80\x8B=43", "=43"},
      {"6*7\xC2\xA0= 43", "= 43"},
      {"\xEF\xBB\xBF"
       "6*7 \xEF\xBC\x9D 43",
       "\xEF\xBC\x9D 43"},
  };
  for (const Case& c : cases) {
    ClaimScan s = find_claims(c.text);
    ASSERT_EQ(s.claims.size(), 1u) << c.text;
    const Claim& k = s.claims[0];
    EXPECT_EQ(c.text.substr(k.relation_begin, k.rhs_end - k.relation_begin), c.span) << c.text;
    EXPECT_FALSE(check_claim(k).ok()) << c.text;
  }
}

// Every prefix of text with Unicode spaces, invisible characters and a fullwidth sign (model
// output cut at its token limit can end inside a character): spans stay inside the text.
TEST(StepClaims, SpansStayInsideTextCutAnywhere) {
  const std::string text =
      "6*7\xC2\xA0= 4\xE2\x80\x8B"
      "3 and 2*2 \xEF\xBC\x9D 5\xE2\x80\xAF(close)\n"
      "\xE2\x80\x80"
      "1+1 = 3\xE2\x81\xA0\xF0\x9F\x8E\x89";
  for (size_t n = 0; n <= text.size(); ++n) {
    const std::string cut = text.substr(0, n);
    ASSERT_EQ(visible_spacing(cut).size(), cut.size()) << n;
    for (const Claim& c : find_claims(cut).claims) {
      EXPECT_LT(c.relation_begin, c.rhs_end) << n;
      EXPECT_LE(c.rhs_end, cut.size()) << n;
    }
  }
  EXPECT_EQ(find_claims(text).claims.size(), 3u);
}

// A line break does not hide a claim: an all-arithmetic line continues the one before it.
TEST(StepClaims, ClaimsSplitAcrossLinesAreOneClaim) {
  struct Case {
    const char* text;
    std::vector<std::string> claims;
  } cases[] = {
      {"36 + 1\n= 38", {"36 + 1 = 38"}},
      {"6*6 =\n35", {"6*6 = 35"}},
      {"6*6 + 1\n= 36 + 1\n= 38", {"6*6 + 1 = 36 + 1", "36 + 1 = 38"}},
      {"6-6 = 0\n= 1", {"6-6 = 0", "0 = 1"}},
      {"**6*6**\n= 35.", {"6*6 = 35"}},
      {"2 + 2 = 4 !=\n5", {"2 + 2 = 4", "4 != 5"}},
      // Only a whole line of arithmetic continues, and only a whole line continues it.
      {"x + 1\n= 38", {}},
      {"So 6*6\n= 35", {}},
      {"6*6\n= 35 apples", {}},
      {"6*6\n\n= 35", {}},
      {"6*6 =\n= 35", {}},
      {"- 6 * 6\n= 36", {"6 * 6 = 36"}},  // a list marker is not a minus sign
  };
  for (const Case& c : cases) {
    std::vector<std::string> got;
    for (const Claim& k : find_claims(c.text).claims) got.push_back(k.text());
    EXPECT_EQ(got, c.claims) << c.text;
  }
  const std::string text = "6*6 =\n35";
  const Claim k = find_claims(text).claims.at(0);
  EXPECT_EQ(text.substr(k.relation_begin, k.rhs_end - k.relation_begin), "=\n35");
  EXPECT_EQ(k.line, 2u);
}

// "≈" allows the rounding of the right side to its own precision, integers included; "="
// allows decimals only, irrational left sides included.
TEST(StepClaims, ApproximateClaimsAllowTheRightSidesRounding) {
  struct Case {
    const char* text;
    bool ok;
  } cases[] = {
      {"22/7 \xE2\x89\x88 3.14", true},
      {"22/7 \xE2\x89\x88 3", true},
      {"6*6 \xE2\x89\x88 40", true},
      {"6*6 \xE2\x89\x88 36", true},
      {"6*6 \xE2\x89\x88 35", false},
      {"6*6 \xE2\x89\x88 0", false},
      {"6*6 \xE2\x89\x88 100", false},
      {"22/7 \xE2\x89\x88 3.15", false},
      {"2^0.5 \xE2\x89\x88 1.41", true},
      {"2^0.5 \xE2\x89\x88 1", true},
      {"2^0.5 \xE2\x89\x88 2", false},
      {"22/7 = 3", false},
      {"2^0.5 = 1.414", true},
      {"2^0.5 = 1.415", false},
      {"2^0.5 = 1", false},
      {"\\sqrt{2} \\approx 1.4142", true},
      // An estimate may be cut instead of rounded, within one unit toward zero.
      {"2/3 \xE2\x89\x88 0.66", true},
      {"100/7 \xE2\x89\x88 14.2", true},
      {"2/3 = 0.66", false},
      {"2/3 \xE2\x89\x88 0.65", false},
      {"36.7 \xE2\x89\x88 36", true},
      {"-2/3 \xE2\x89\x88 -0.66", true},
      {"2^0.5 \xE2\x89\x88 1.42", false},  // neither rounded nor cut
      {"2^0.5 \xE2\x89\x88 1.40", false},
  };
  for (const Case& c : cases) {
    ClaimScan s = find_claims(c.text);
    ASSERT_EQ(s.claims.size(), 1u) << c.text;
    EXPECT_EQ(check_claim(s.claims[0]).ok(), c.ok) << c.text;
  }
}

// Every claim a family's worked solution makes is true, for every family with arithmetic or
// traces in its reasoning (pyoutput writes "1 == 0 is False"; countdown's search "38 != 36").
TEST(StepClaims, EveryWorkedSolutionsClaimsAreTrue) {
  struct Family {
    const char* name;
    json options;
  } families[] = {{"arith", json::object()},         {"linear", json::object()},
                  {"fraction", json::object()},      {"countdown", json::object()},
                  {"countdown", {{"trace", "dfs"}}}, {"pyoutput", json::object()},
                  {"pyfunc", json::object()},        {"pyplay", json::object()}};
  for (const Family& f : families) {
    auto gen = make_generator(f.name, f.options, "test");
    size_t claims = 0;
    for (const Task& t : generate_tasks(f.name, 200, 11, 0)) {
      const std::string solution = gen->solve(t);
      const size_t open = solution.find("<think>"), close = solution.find("</think>");
      ASSERT_NE(close, std::string::npos) << solution;
      const std::string think = solution.substr(open + 7, close - open - 7);
      for (const Claim& c : find_claims(think).claims) {
        ++claims;
        EXPECT_TRUE(check_claim(c).ok()) << f.name << " " << t.id << ": '" << c.text() << "' in\n"
                                         << think;
      }
    }
    std::printf("[ claims   ] %s %s: %zu claims in 200 worked solutions\n", f.name,
                f.options.dump().c_str(), claims);
    if (std::string(f.name) != "pyfunc" && std::string(f.name) != "pyplay") {
      EXPECT_GT(claims, 100u);
    }
  }
}

TEST(StepClaims, UnequalIsTheNegationOfEqual) {
  struct Case {
    const char* lhs;
    const char* rhs;
    ClaimTruth truth;
  } cases[] = {
      {"35+3", "36", ClaimTruth::True},         {"12*3", "36", ClaimTruth::False},
      {"22/7", "3.14", ClaimTruth::False},  // equal up to its rounding: not unequal
      {"2^0.5", "1.5", ClaimTruth::True},       {"2^0.5 * 2^0.5", "2", ClaimTruth::False},
      {"5/0", "1", ClaimTruth::DivisionByZero}, {"(1+2", "3", ClaimTruth::Malformed},
  };
  for (const auto& c : cases) {
    ClaimCheck k = check_claim({1, c.lhs, c.rhs, true});
    EXPECT_EQ(claim_truth_name(k.truth), std::string(claim_truth_name(c.truth)))
        << c.lhs << " != " << c.rhs;
  }
}

TEST(StepClaims, Truth) {
  struct Case {
    const char* lhs;
    const char* rhs;
    ClaimTruth truth;
  } cases[] = {
      {"347*8", "2776", ClaimTruth::True},
      {"347*8", "2786", ClaimTruth::False},
      {"1,234 + 766", "2,000", ClaimTruth::True},
      {"22/7", "3.14", ClaimTruth::Rounded},
      {"22/7", "3.15", ClaimTruth::False},
      {"1/3", "0.333", ClaimTruth::Rounded},
      {"1/3", "0.33", ClaimTruth::Rounded},
      {"1/3", "0.3", ClaimTruth::Rounded},
      {"2/3", "0.6", ClaimTruth::False},  // rounds to 0.7
      {"0.14", "0.1", ClaimTruth::Rounded},
      {"3.1", "3.14", ClaimTruth::False},  // rounding is of a result, on the right
      {"3.14", "22/7", ClaimTruth::False},
      {"0.1 + 0.2", "0.3", ClaimTruth::True},
      {"2^10", "1024", ClaimTruth::True},
      {"2^0.5 * 2^0.5", "2", ClaimTruth::True},
      {"2^0.5", "1.5", ClaimTruth::False},
      {"5/0", "1", ClaimTruth::DivisionByZero},
      {"9^9^9", "1", ClaimTruth::TooLarge},
      {"3 +", "3", ClaimTruth::Malformed},
      {"(1+2", "3", ClaimTruth::Malformed},
      {"-3 * -3", "9", ClaimTruth::True},
      {"(-5/2) * 2", "-5", ClaimTruth::True},
      // Tiny and huge irrational values keep their size: no absolute tolerance, no infinity.
      {"2^0.5 * 10^-20", "7 * 10^-20", ClaimTruth::False},
      {"2^0.5 * 10^-20", "0", ClaimTruth::False},
      {"2^0.5 * 10^-20", "2^0.5 / 10^20", ClaimTruth::True},
      {"2^0.5 * 10^400", "7 * 10^400", ClaimTruth::False},
      {"2^0.5 * 10^400", "10^400 * 2^0.5", ClaimTruth::True},
  };
  for (const auto& c : cases) {
    ClaimCheck k = check_claim({1, c.lhs, c.rhs});
    EXPECT_EQ(claim_truth_name(k.truth), std::string(claim_truth_name(c.truth)))
        << c.lhs << " = " << c.rhs;
  }
}

TEST(StepVerifier, ScoresAllTrueSoPaddingCannotRaiseIt) {
  auto v = make_verifier("step");
  Task t;
  Verdict all = v->verify(t, "<think>\n347*8 = 2776\n2776+4 = 2780\n</think><answer>2780</answer>");
  EXPECT_EQ(all.score, 1.0);
  EXPECT_TRUE(all.correct);
  EXPECT_EQ(all.reason, "ok");
  Verdict half =
      v->verify(t, "<think>\n347*8 = 2776\n2776+4 = 2790\n</think><answer>2790</answer>");
  EXPECT_DOUBLE_EQ(half.score, 0.0);
  EXPECT_FALSE(half.correct);
  EXPECT_EQ(half.reason, "false_claims");
  ASSERT_EQ(half.details["false_claims"].size(), 1u);
  EXPECT_EQ(half.details["false_claims"][0]["line"], 3);
  EXPECT_EQ(half.details["false_claims"][0]["lhs_value"], "2780");
  // A search trace: tried steps, checks against the target, a backtrack, the found path.
  Verdict trace =
      v->verify(t,
                "<think>\n7*5 = 35\n35+3 = 38 != 36\n35-3 = 32 != 36\nback\n7+5 = 12\n12*3 = "
                "36\n</think><answer>(7+5)*3</answer>");
  EXPECT_EQ(trace.details["claims"], 7);
  EXPECT_TRUE(trace.correct) << trace.details.dump();
  const std::string lie_text = "<think>\n7*5 = 34\n35+1 = 36 != 36\n</think><answer>x</answer>";
  Verdict lie = v->verify(t, lie_text);
  EXPECT_FALSE(lie.correct);
  EXPECT_EQ(lie.details["false_claims"][1]["claim"], "36 != 36");
  // wrong_spans: bytes of the completion, one per false claim, the relation and right side.
  ASSERT_EQ(lie.details[kWrongSpans].size(), 2u) << lie.details.dump();
  std::vector<std::string> wrong;
  for (const auto& sp : lie.details[kWrongSpans]) {
    const size_t b = sp[0].get<size_t>(), e = sp[1].get<size_t>();
    wrong.push_back(lie_text.substr(b, e - b));
  }
  EXPECT_EQ(wrong, (std::vector<std::string>{"= 34", "!= 36"}));
  EXPECT_FALSE(all.details.contains(kWrongSpans)) << "none when every claim is true";
  // A completion that starts inside <think>: the spans still count from its first byte.
  Verdict inside = v->verify(t, "2+2 = 5\n</think><answer>4</answer>");
  EXPECT_EQ(inside.details[kWrongSpans], json::parse("[[4, 7]]"));
  // The gaming a fraction of claims invites: "7 != 8" costs no arithmetic, and padding a wrong
  // trace with such claims (or "1+1 = 2") would raise true / all from 0 to 5/6. The default
  // score is 1 only when every claim is true: padding leaves a lie at 0, and no number of false
  // claims scores above none (a 1/(1 + false) score would pay 0.5 for one false claim, more
  // than a completion without claims gets).
  const std::string lone = "<think>\n7+5 = 13\n</think><answer>13</answer>";
  const std::string padded_text =
      "<think>\n7+5 = 13\n1 != 2\n3 != 4\n5 != 6\n7 != 8\n1+1 = 2\n</think><answer>13</answer>";
  Verdict padded = v->verify(t, padded_text);
  EXPECT_DOUBLE_EQ(v->verify(t, lone).score, 0.0);
  EXPECT_DOUBLE_EQ(padded.score, 0.0);
  EXPECT_FALSE(padded.correct);
  EXPECT_EQ(padded.reason, "false_claims");
  EXPECT_DOUBLE_EQ(v->verify(t, "<think>\n1+1 = 3\n</think>").score,
                   v->verify(t, "<think>no arithmetic</think>").score);
  // "score": "fraction" keeps the older true / all, which padding raises (documented).
  auto fraction = make_verifier("step", {{"score", "fraction"}});
  EXPECT_DOUBLE_EQ(fraction->verify(t, lone).score, 0.0);
  EXPECT_DOUBLE_EQ(fraction->verify(t, padded_text).score, 5.0 / 6);
  EXPECT_DOUBLE_EQ(fraction->verify(t, "<think>\n1+2 = 3\n1+1 = 3\n</think>").score, 0.5);
  EXPECT_THROW(make_verifier("step", {{"score", "ratio"}}), std::exception);
  Verdict none = v->verify(t, "<think>I just know it.</think><answer>5</answer>");
  EXPECT_EQ(none.score, 0.0);
  EXPECT_EQ(none.reason, "no_claims");
  EXPECT_EQ(v->verify(t, "<answer>5</answer>").reason, "no_think");
  // Claims outside <think> do not count.
  EXPECT_EQ(v->verify(t, "<think>hm</think><answer>\n2+2 = 5\n</answer>").reason, "no_claims");
  // A prompt that opened <think> already: the completion starts inside it.
  EXPECT_EQ(v->verify(t, "2+2 = 4\n</think><answer>4</answer>").score, 1.0);
  EXPECT_EQ(make_verifier("step", {{"max_claims", 2}})
                ->verify(t, "<think>\n1=1\n2=2\n3=4\n</think>")
                .details["truncated_at"],
            2);
}

TEST(ExactVerifier, Table) {
  auto v = make_verifier("exact");
  Task t;
  t.answer = "[1, 2]\nhello\n";
  EXPECT_TRUE(v->verify(t, "<think>run it</think><answer>\n[1, 2]\nhello\n</answer>").correct);
  EXPECT_TRUE(v->verify(t, "<think>run it</think><answer>[1, 2]\nhello</answer>").correct);
  Verdict d = v->verify(t, "<think>x</think><answer>[1, 2]\nhallo</answer>");
  EXPECT_FALSE(d.correct);
  EXPECT_EQ(d.reason, "mismatch");
  EXPECT_EQ(d.details["first_difference"], 8);
  EXPECT_EQ(d.details["line"], 2);
  EXPECT_FALSE(
      v->verify(t, "<think>x</think><answer>[1,2]\nhello</answer>").correct);  // spacing matters
  EXPECT_FALSE(
      v->verify(t, "<think>x</think><answer>[1, 2]\nHello</answer>").correct);  // case matters
  Verdict prefix = v->verify(t, "<think>x</think><answer>[1, 2]</answer>");
  EXPECT_EQ(prefix.details["note"], "answer is a prefix of the expected output");
  EXPECT_EQ(v->verify(t, "[1, 2]\nhello").reason, "no_answer");
}

}  // namespace
}  // namespace r1
