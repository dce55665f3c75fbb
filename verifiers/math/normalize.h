// Normalisation of a math answer's text before it is parsed: strips what does not change the
// value (dollar signs, \left/\right, \text{} wrappers, spacing commands, degree signs,
// percent signs, thousands separators, unit words, a leading "x =" and \boxed nesting) and
// rewrites synonyms into one spelling (\dfrac -> \frac, \times -> *, Unicode signs -> LaTeX).
#pragma once
#include <string>
#include <string_view>

namespace r1 {

// Inputs longer than this are not normalised (and will not parse): answers are short, and the
// bound keeps every later step cheap on hostile input.
constexpr size_t kMaxAnswerLength = 2000;

std::string normalize_answer(std::string_view text);

// The form used for a plain-text comparison: lower case, no whitespace except between two
// letters or digits ("1 2" stays apart from "12").
std::string text_key(std::string_view normalized);

}  // namespace r1
