// Hand-written scanners for the Split pre-tokenizer regexes of Qwen2/Qwen3 and DeepSeek-V3.
// The regexes need lookahead (\s+(?!\S)), which re2 lacks, so each known pattern has a scanner
// that returns, at a position, the length of the match that Hugging Face's regex engine
// (Oniguruma: leftmost match, alternatives tried in order, greedy with backtracking) finds there.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace r1 {

// Text decoded for scanning: code points, their unicode_flags() and byte offsets (offset has one
// extra final entry, the byte length).
struct ScanText {
  std::vector<uint32_t> cp;
  std::vector<uint8_t> flags;
  std::vector<uint32_t> offset;
  void assign(std::string_view utf8);  // well-formed UTF-8
};

// Length in code points of the pattern's match starting exactly at `pos`, or 0 for none. The
// subject is [.., end): `end` acts as the end of input for lookahead, as it does when HF applies
// a Split to each piece of an earlier split.
using PatternMatcher = size_t (*)(const ScanText& t, size_t pos, size_t end);

// The scanner for a Split regex (as written in tokenizer.json), or nullptr when it is not one
// we know.
PatternMatcher find_split_pattern(const std::string& regex);
// Names of the known patterns, for error messages.
std::string known_split_patterns();

}  // namespace r1
