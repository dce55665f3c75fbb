// Finding the parts of a completion in the output format <think>…</think><answer>…</answer>.
// The tag names are configurable per run, so every verifier takes them from its options.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace r1 {

struct TagNames {
  std::string think = "think";
  std::string answer = "answer";
  std::string open(const std::string& t) const { return "<" + t + ">"; }
  std::string close(const std::string& t) const { return "</" + t + ">"; }
  // Reads "think_tag" / "answer_tag" from verifier options (the reader marks them used).
  static TagNames from_options(JsonReader& r);
};

// The content of the last <answer> block. When that block is never closed (a generation cut
// off by the length limit) the content runs to the end of the text.
std::optional<std::string_view> answer_block(std::string_view completion, const TagNames& tags);
// The content of the first <think> block. A completion whose prompt already opened <think>
// starts inside it: with no opening tag, everything before the first closing tag counts.
std::optional<std::string_view> think_block(std::string_view completion, const TagNames& tags);

size_t count_occurrences(std::string_view haystack, std::string_view needle);
// Substring search in linear time (glibc memmem, two-way). std::string_view::find can take
// O(n*m) on input such as a megabyte of '<' when looking for "<think>", and verifiers must
// answer within milliseconds whatever the input.
size_t find_text(std::string_view haystack, std::string_view needle, size_t from = 0);
size_t rfind_text(std::string_view haystack, std::string_view needle);
std::string_view trim(std::string_view s);

// Whether `s` shows nothing: only ASCII whitespace and Unicode spaces, separators, direction
// marks, invisible operators, fillers and zero-width characters (U+00A0, U+00AD, U+115F,
// U+1160, U+1680, U+180E, U+2000-U+200F, U+2028, U+2029, U+202F, U+205F-U+2064, U+2800, U+3000,
// U+3164, U+FEFF, U+FFA0). A block of them is empty to a reader, and so to a reward.
bool blank(std::string_view s);
// At most `max` bytes of `s` for verdict details, marked when cut. Invalid UTF-8 (model output
// can be any bytes) becomes U+FFFD, so details always serialise as JSON.
std::string snippet(std::string_view s, size_t max = 200);
std::string valid_utf8(std::string_view s);

}  // namespace r1
