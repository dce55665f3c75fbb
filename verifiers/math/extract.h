// Where a math answer sits in a completion. In order of trust:
//   1. the <answer> block;
//   2. the last \boxed{…} or \fbox{…} (nested braces balance);
//   3. the last "the answer is …", "Final answer: …", "Answer: …" or GSM8K's "#### …";
//   4. the last math-mode span ($…$, $$…$$, \(…\), \[…\]), when it parses as math;
//   5. the whole text, when it is one expression and nothing else ("\frac{10}{9}");
//   6. the last number in the text.
//
// The fallbacks after the <answer> block are for free-form text (dataset solutions, other
// models' output). A completion that uses the output format, i.e. holds any of the think or
// answer tags, is judged by its <answer> block alone by default: a broken or missing answer
// tag then means no answer, not "the last number of the reasoning".
//
// A number counts only when it stands as a token on its own: the digits of "AZYUK2A", "x^2"
// or "\frac{1+\sqrt{5}}{2}" are not an answer. A region that states several answers (two
// \boxed{}, two "the answer is") keeps them all, so a hedge scores only when every one is right.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifiers/completion.h"

namespace r1 {

enum class AnswerSource { AnswerTag, Boxed, AnswerIs, MathMode, WholeText, LastNumber, None };
const char* answer_source_name(AnswerSource s);

struct ExtractedAnswer {
  std::string text;  // raw answer text, not yet normalised
  AnswerSource source = AnswerSource::None;
  // The other answers the same region states (every \boxed{} or "the answer is" before the
  // last), raw and without repeats; empty when there is one. At most kMaxOtherAnswers + 1 are
  // kept: a region with more different answers than that is a hedge whatever they are.
  std::vector<std::string> others;
};
constexpr size_t kMaxOtherAnswers = 16;

enum class Fallback {
  Untagged,  // fall back only when the completion holds none of the tags (default)
  Always,
  Never,
};
// "untagged", "always", "never"; throws naming `where` otherwise.
Fallback parse_fallback(const std::string& name, const std::string& where);

ExtractedAnswer extract_answer(std::string_view completion, const TagNames& tags = {},
                               Fallback fallback = Fallback::Untagged);
// Whether the completion holds any of the four tags.
bool uses_tags(std::string_view completion, const TagNames& tags);

// Every outermost \boxed{…} / \fbox{…} of the text (all_boxed), when its last box command
// is closed; empty when it is left open or there is none.
std::vector<std::string_view> boxes_when_closed(std::string_view text);
// The content of the last \boxed{…} (or \fbox{…}) with balanced braces; "\boxed 5" gives "5".
std::optional<std::string_view> last_boxed(std::string_view text);
// The contents of every balanced \boxed{…} / \fbox{…}, in order (a box nested in another
// is part of the outer one).
std::vector<std::string_view> all_boxed(std::string_view text);
// The contents of the math-mode spans, in order: $…$, $$…$$, \(…\), \[…\]. A '$' followed
// by a space does not open math, and one followed by a digit does not close it ("$5 and $6"
// are amounts); "\$" is a dollar sign. Linear in the text's length.
std::vector<std::string_view> math_spans(std::string_view text);
// The math of a sentence that is prose around exactly one math-mode span ("Therefore
// $x \geq 5$ is the solution."): no other digits or math, and no word that changes or hedges
// the value.
std::optional<std::string_view> math_in_prose(std::string_view text);
// What follows the last "answer is" (case-insensitive), up to the end of its sentence or line.
std::optional<std::string_view> answer_is(std::string_view text);
// What follows each "answer is", in order.
std::vector<std::string_view> all_answer_is(std::string_view text);
// The last number (optional sign, digits with optional thousands commas, decimals, and a
// "/denominator": "-1,234.5", "3/4"), when it stands as a token on its own: not glued to a
// letter, a digit group or LaTeX ("AZYUK2A", "x^2", "{2}" hold no number).
std::optional<std::string_view> last_number(std::string_view text);
// The number that free text ends on: the last number, standing on its own, and not the last
// of alternatives listed in its sentence ("2 or 3", "1, 2, 3", "between 1 and 3"), nor
// negated or hedged there ("It is not 18.", "Or 3.", "18 or more"); an '=' before it states
// it as a result ("1 + 2 = 3").
std::optional<std::string_view> final_number(std::string_view text);
// The number of a sentence that is prose around exactly one number ("She makes $18 a day."):
// no other digits, no math, and no word that changes or hedges the value ("not 18",
// "at least 18", "2 million", "2 or 3").
std::optional<std::string_view> number_in_prose(std::string_view text);

}  // namespace r1
