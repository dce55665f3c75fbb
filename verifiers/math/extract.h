// Where a math answer sits in a completion. In order of trust: the <answer> block, else the
// last \boxed{}, else "the answer is …", else the last number in the text.
//
// The fallbacks after the <answer> block are for free-form text (dataset solutions, other
// models' output). A completion that uses the output format, i.e. holds any of the think or
// answer tags, is judged by its <answer> block alone by default: a broken or missing answer
// tag then means no answer, not "the last number of the reasoning".
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "verifiers/completion.h"

namespace r1 {

enum class AnswerSource { AnswerTag, Boxed, AnswerIs, LastNumber, None };
const char* answer_source_name(AnswerSource s);

struct ExtractedAnswer {
  std::string text;  // raw answer text, not yet normalised
  AnswerSource source = AnswerSource::None;
};

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

// The content of the last \boxed{…} (or \fbox{…}) with balanced braces; "\boxed 5" gives "5".
std::optional<std::string_view> last_boxed(std::string_view text);
// What follows the last "answer is" (case-insensitive), up to the end of its sentence or line.
std::optional<std::string_view> answer_is(std::string_view text);
// The last number: optional sign, digits with optional thousands commas, decimals, and a
// "/denominator" ("-1,234.5", "3/4").
std::optional<std::string_view> last_number(std::string_view text);
// How many separate numbers the text holds (counts up to `stop_at`).
int count_numbers(std::string_view text, int stop_at = 3);

}  // namespace r1
