// Unicode character classes and UTF-8 for the BPE tokenizer. Classes are the general-category
// groups that Hugging Face's Split regexes use (\p{L}, \p{M}, \p{N}, \p{P}, \p{S}) plus \s as
// Oniguruma defines it for Unicode text (U+0009..U+000D, U+0085 and the Z categories). The data
// comes from model/unicode_tables.cpp: categories from unicode_version(), normalization data
// from unicode_normalization_version() (older on purpose: see tools/gen_unicode_tables.py).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

enum UnicodeFlag : uint8_t {
  kUniLetter = 1,     // \p{L}
  kUniMark = 2,       // \p{M}
  kUniNumber = 4,     // \p{N}
  kUniPunct = 8,      // \p{P}
  kUniSymbol = 16,    // \p{S}
  kUniSpace = 32,     // \s
  kUniNfcCheck = 64,  // may change under NFC (decomposes, reorders or composes with a neighbour)
};

// The flags of one code point (0 for unassigned, controls other than \s, formats, ...).
uint8_t unicode_flags(uint32_t cp);
inline bool is_letter(uint32_t cp) {
  return unicode_flags(cp) & kUniLetter;
}
inline bool is_number(uint32_t cp) {
  return unicode_flags(cp) & kUniNumber;
}
inline bool is_space(uint32_t cp) {
  return unicode_flags(cp) & kUniSpace;
}
const char* unicode_version();
const char* unicode_normalization_version();

constexpr uint32_t kReplacementChar = 0xFFFD;

// Appends the UTF-8 encoding of `cp` (a valid scalar value).
void append_utf8(uint32_t cp, std::string& out);
// True when `s` is well-formed UTF-8 (no surrogates, overlongs or values above U+10FFFF).
bool is_valid_utf8(std::string_view s);
// `s` with each maximal ill-formed subsequence replaced by U+FFFD, the rule that Python's
// bytes.decode("utf-8", "replace") and Rust's String::from_utf8_lossy follow. With `out_at`, that
// gets s.size() + 1 entries: out_at[i] is where byte i of `s` lands in the result (a byte inside a
// replaced subsequence: where its U+FFFD starts), and out_at[s.size()] the result's size.
std::string sanitize_utf8(std::string_view s, std::vector<size_t>* out_at = nullptr);
// Decodes well-formed UTF-8 (check first with is_valid_utf8) into code points; offsets gets the
// byte offset of each code point plus a final entry s.size().
void decode_utf8(std::string_view s, std::vector<uint32_t>& cps, std::vector<uint32_t>& offsets);

}  // namespace r1
