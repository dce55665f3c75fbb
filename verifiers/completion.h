// Finding the parts of a completion in the output format <think>…</think><answer>…</answer>.
// The tag names are configurable per run, so every verifier takes them from its options.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// Whether `s` shows nothing: only whitespace and control characters, Unicode spaces and
// separators, direction marks and isolates, invisible operators, fillers, zero-width and format
// characters, variation selectors, tag characters and lone combining marks (U+00A0, U+00AD,
// U+0300-U+036F, U+061C, U+115F, U+1160, U+1680, U+17B4, U+17B5, U+180B-U+180F,
// U+2000-U+200F, U+2028-U+202F, U+205F-U+206F, U+2800, U+3000, U+3164, U+FE00-U+FE0F, U+FEFF,
// U+FFA0, U+FFF9-U+FFFC, U+1BCA0-U+1BCA3, U+1D173-U+1D17A, U+E0000-U+E007F, U+E0100-U+E01EF).
// A block of them is empty to a reader, and so to a reward.
bool blank(std::string_view s);
// Whether `s` holds a Unicode letter or digit (general category L or N). A think block needs
// one: "." or "→" alone is no reasoning, and would earn a format bonus for skipping it.
bool has_letter_or_digit(std::string_view s);
// At most `max` bytes of `s` for verdict details, marked when cut. Invalid UTF-8 (model output
// can be any bytes) becomes U+FFFD, so details always serialise as JSON.
std::string snippet(std::string_view s, size_t max = 200);
// `s` with each byte that is not part of valid UTF-8 replaced by U+FFFD. With `raw_offset`, that
// gets one entry per byte of the result: the offset in `s` of the byte it comes from (the three
// bytes of a U+FFFD all come from the invalid byte), so that byte ranges of the result can be
// mapped back (raw_range).
std::string valid_utf8(std::string_view s, std::vector<size_t>* raw_offset = nullptr);
// At most `max` bytes of valid UTF-8 `s`, cut at a character's start (nothing marks the cut).
std::string cut_utf8(std::string s, size_t max);
// The range of `s` that bytes [begin, end) of valid_utf8(s, &raw_offset) come from; nothing when
// the range is empty or not inside the result.
std::optional<std::pair<size_t, size_t>> raw_range(const std::vector<size_t>& raw_offset,
                                                   int64_t begin, int64_t end);

}  // namespace r1
