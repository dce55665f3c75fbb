#include "model/split_patterns.h"

#include "model/unicode.h"

namespace r1 {

void ScanText::assign(std::string_view utf8) {
  decode_utf8(utf8, cp, offset);
  flags.resize(cp.size());
  for (size_t i = 0; i < cp.size(); ++i) flags[i] = unicode_flags(cp[i]);
}

namespace {

bool is_newline(uint32_t c) {
  return c == '\r' || c == '\n';
}

// The end of the run of code points from `i` that have any of `mask`'s flags.
size_t run_end(const ScanText& t, size_t i, size_t end, uint8_t mask) {
  while (i < end && (t.flags[i] & mask)) ++i;
  return i;
}

size_t newline_run_end(const ScanText& t, size_t i, size_t end) {
  while (i < end && is_newline(t.cp[i])) ++i;
  return i;
}

// The shared tail of both patterns, at a whitespace code point:
//   \s*[\r\n]+ | \s+(?!\S) | \s+
size_t match_whitespace(const ScanText& t, size_t pos, size_t end) {
  size_t q = run_end(t, pos, end, kUniSpace);
  // \s*[\r\n]+ : \s* backtracks to the last newline of the run; [\r\n]+ takes it.
  for (size_t k = q; k > pos; --k) {
    if (is_newline(t.cp[k - 1])) return k - pos;
  }
  // \s+(?!\S) : the whole run at the end of input, else the run minus its last space, which
  // is left to start the next piece (" word").
  if (q == end) return q - pos;
  if (q - pos >= 2) return q - 1 - pos;
  return q - pos;  // \s+
}

// Case-insensitive ASCII letter as Oniguruma folds it for (?i:...): also U+017F LONG S -> s.
uint32_t fold(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c == 0x17F) return 's';
  return c;
}

// Qwen2 / Qwen3:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*
//   |\s*[\r\n]+|\s+(?!\S)|\s+
size_t match_qwen2(const ScanText& t, size_t pos, size_t end) {
  const uint32_t c = t.cp[pos];
  const uint8_t f = t.flags[pos];
  if (c == '\'' && pos + 1 < end) {
    uint32_t c1 = fold(t.cp[pos + 1]);
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    if (pos + 2 < end) {
      uint32_t c2 = fold(t.cp[pos + 2]);
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
        return 3;
    }
  }
  if (f & kUniLetter) return run_end(t, pos, end, kUniLetter) - pos;
  if (!is_newline(c) && !(f & kUniNumber) && pos + 1 < end && (t.flags[pos + 1] & kUniLetter)) {
    return run_end(t, pos + 1, end, kUniLetter) - pos;
  }
  if (f & kUniNumber) return 1;
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  auto other = [&](size_t i) { return !(t.flags[i] & (kUniSpace | kUniLetter | kUniNumber)); };
  size_t i = pos;
  if (c == ' ' && pos + 1 < end && other(pos + 1)) i = pos + 1;
  if (other(i)) {
    size_t j = i;
    while (j < end && other(j)) ++j;
    return newline_run_end(t, j, end) - pos;
  }
  return match_whitespace(t, pos, end);  // every remaining code point is \s
}

bool is_ascii_punct(uint32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}
bool is_ascii_alpha(uint32_t c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

// DeepSeek-V3, first split: \p{N}{1,3}
size_t match_digits3(const ScanText& t, size_t pos, size_t end) {
  size_t j = pos;
  while (j < end && j - pos < 3 && (t.flags[j] & kUniNumber)) ++j;
  return j - pos;
}

// DeepSeek-V3, second split: [\x{4e00}-\x{9fa5}\x{3040}-\x{309f}\x{30a0}-\x{30ff}]+
bool is_deepseek_cjk(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x309F) ||
         (c >= 0x30A0 && c <= 0x30FF);
}
size_t match_cjk_run(const ScanText& t, size_t pos, size_t end) {
  size_t j = pos;
  while (j < end && is_deepseek_cjk(t.cp[j])) ++j;
  return j - pos;
}

// DeepSeek-V3, third split:
//   [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
//   | ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Unlike Qwen's, this pattern leaves some code points unmatched (digits, controls, format
// characters not followed by a letter); Isolated splitting keeps those as pieces of their own.
size_t match_deepseek_v3(const ScanText& t, size_t pos, size_t end) {
  const uint32_t c = t.cp[pos];
  const uint8_t f = t.flags[pos];
  if (is_ascii_punct(c) && pos + 1 < end && is_ascii_alpha(t.cp[pos + 1])) {
    size_t j = pos + 1;
    while (j < end && is_ascii_alpha(t.cp[j])) ++j;
    return j - pos;
  }
  constexpr uint8_t kLM = kUniLetter | kUniMark;
  if (f & kLM) return run_end(t, pos, end, kLM) - pos;
  if (!is_newline(c) && !(f & (kUniLetter | kUniPunct | kUniSymbol)) && pos + 1 < end &&
      (t.flags[pos + 1] & kLM)) {
    return run_end(t, pos + 1, end, kLM) - pos;
  }
  constexpr uint8_t kPS = kUniPunct | kUniSymbol;
  size_t i = pos;
  if (c == ' ' && pos + 1 < end && (t.flags[pos + 1] & kPS)) i = pos + 1;
  if (t.flags[i] & kPS) return newline_run_end(t, run_end(t, i, end, kPS), end) - pos;
  if (f & kUniSpace) return match_whitespace(t, pos, end);
  return 0;
}

struct KnownPattern {
  const char* name;
  const char* regex;  // exactly as tokenizer.json spells it (after JSON unescaping)
  PatternMatcher fn;
};

const KnownPattern kPatterns[] = {
    {"qwen2",
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     match_qwen2},
    {"deepseek-v3 digits", R"(\p{N}{1,3})", match_digits3},
    {"deepseek-v3 cjk", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+", match_cjk_run},
    // DeepSeek's tokenizer.json holds literal CR and LF characters inside the classes.
    {"deepseek-v3 words",
     "[!\"#$%&'()*+,\\-./"
     ":;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
     "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
     match_deepseek_v3},
};

}  // namespace

PatternMatcher find_split_pattern(const std::string& regex) {
  for (const auto& p : kPatterns) {
    if (regex == p.regex) return p.fn;
  }
  return nullptr;
}

std::string known_split_patterns() {
  std::string s;
  for (const auto& p : kPatterns) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}

}  // namespace r1
