// Normalisation of a math answer's text before it is parsed: strips what does not change the
// value (dollar signs, \left/\right, \text{} wrappers, spacing commands, degree signs,
// percent signs, thousands separators, scientific
// notation ("1.5e3" -> "1.5*10^{3}"), unit words, a leading "x =" and \boxed nesting) and
// rewrites synonyms into one spelling (\dfrac -> \frac, \times -> *, Unicode signs -> LaTeX).
#pragma once
#include <string>
#include <string_view>

namespace r1 {

// Inputs longer than this are not normalised (and will not parse): answers are short, and the
// bound keeps every later step cheap on hostile input.
constexpr size_t kMaxAnswerLength = 2000;

struct NormalizeOptions {
  // "50\%" becomes "50/100" instead of "50". The verifier tries this reading when only one
  // side of a comparison has a percent sign.
  bool percent_as_fraction = false;
  // "30^\circ" becomes "30*\pi/180" instead of "30", likewise when only one side has a
  // degree sign.
  bool degrees_as_radians = false;
  // "y = x + 1" stays an equation instead of becoming "x + 1". The verifier tries this reading
  // of an answer when the gold is an equation ("2y = x + 2") and the answer read as a value.
  bool keep_variable_prefix = false;
};

std::string normalize_answer(std::string_view text, const NormalizeOptions& options = {});

// Words that scale the number before them, in lower case: "2 million" is not 2 (hundred,
// thousand, million, billion, trillion, dozen, lakh, crore, myriad, score, and plurals).
bool is_scale_word(std::string_view lower_word);
// Other words after a number that change its value, in lower case: never units ("18 squared",
// "18 sixths", "18 inverses", "5 less"). A counted noun is not one ("18 pairs" may be what a
// question asks for).
bool changes_value(std::string_view lower_word);

// The form used for a plain-text comparison: lower case, no whitespace except between two
// letters or digits ("1 2" stays apart from "12").
std::string text_key(std::string_view normalized);
// The same, keeping case: two answers with equal spelling keys are equal without parsing. Case
// matters in math (R/r, \Gamma/\gamma), so only text answers compare without it.
std::string spelling_key(std::string_view normalized);

}  // namespace r1
