#include "verifiers/completion.h"

#include <string.h>

#include <re2/re2.h>

#include <cstdint>

namespace r1 {

TagNames TagNames::from_options(JsonReader& r) {
  TagNames t;
  t.think = r.get<std::string>("think_tag", t.think);
  t.answer = r.get<std::string>("answer_tag", t.answer);
  r.check(!t.think.empty(), "think_tag", "must not be empty");
  r.check(!t.answer.empty(), "answer_tag", "must not be empty");
  return t;
}

size_t find_text(std::string_view h, std::string_view n, size_t from) {
  if (from > h.size()) return std::string_view::npos;
  if (n.empty()) return from;
  const void* p = memmem(h.data() + from, h.size() - from, n.data(), n.size());
  return p ? static_cast<size_t>(static_cast<const char*>(p) - h.data()) : std::string_view::npos;
}

size_t rfind_text(std::string_view h, std::string_view n) {
  // The last of the forward matches: each memmem call is linear in what it skips.
  size_t last = std::string_view::npos;
  for (size_t p = find_text(h, n, 0); p != std::string_view::npos; p = find_text(h, n, p + 1))
    last = p;
  return last;
}

std::optional<std::string_view> answer_block(std::string_view completion, const TagNames& tags) {
  const std::string open = tags.open(tags.answer), close = tags.close(tags.answer);
  size_t start = rfind_text(completion, open);
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  size_t end = find_text(completion, close, start);
  if (end == std::string_view::npos) end = completion.size();
  return completion.substr(start, end - start);
}

std::optional<std::string_view> think_block(std::string_view completion, const TagNames& tags) {
  const std::string open = tags.open(tags.think), close = tags.close(tags.think);
  size_t start = find_text(completion, open);
  size_t from = start == std::string_view::npos ? 0 : start + open.size();
  size_t end = find_text(completion, close, from);
  if (start == std::string_view::npos) {
    if (end == std::string_view::npos) return std::nullopt;
    return completion.substr(0, end);
  }
  if (end == std::string_view::npos) end = completion.size();
  return completion.substr(from, end - from);
}

size_t count_occurrences(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return 0;
  size_t n = 0;
  for (size_t p = find_text(haystack, needle); p != std::string_view::npos;
       p = find_text(haystack, needle, p + needle.size())) {
    ++n;
  }
  return n;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool blank(std::string_view s) {
  const auto invisible = [](uint32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD || (cp >= 0x300 && cp <= 0x36F) ||
           cp == 0x61C || cp == 0x115F || cp == 0x1160 || cp == 0x1680 || cp == 0x17B4 ||
           cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x2000 && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x2800 ||
           cp == 0x3000 || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
           cp == 0xFFA0 || (cp >= 0xFFF9 && cp <= 0xFFFC) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) ||
           (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE007F) ||
           (cp >= 0xE0100 && cp <= 0xE01EF);
  };
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto continuation = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = byte(i);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if ((c & 0xE0) == 0xC0 && continuation(i + 1)) {
      if (!invisible(((c & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu))) return false;
      i += 2;
    } else if ((c & 0xF0) == 0xE0 && continuation(i + 1) && continuation(i + 2)) {
      if (!invisible(((c & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu)))
        return false;
      i += 3;
    } else if ((c & 0xF8) == 0xF0 && continuation(i + 1) && continuation(i + 2) &&
               continuation(i + 3)) {
      if (!invisible(((c & 0x07u) << 18) | ((byte(i + 1) & 0x3Fu) << 12) |
                     ((byte(i + 2) & 0x3Fu) << 6) | (byte(i + 3) & 0x3Fu)))
        return false;
      i += 4;
    } else if (c < 0x20 || c == 0x7F) {
      ++i;  // a control character
    } else {
      return false;  // a visible character, or bytes that are not UTF-8
    }
  }
  return true;
}

bool has_letter_or_digit(std::string_view s) {
  // Not the letters blank() counts as invisible: the Hangul fillers (U+115F, U+1160, U+3164,
  // U+FFA0) are letters to Unicode, and "<think>\u3164.</think>" is as empty as "<think>.</think>".
  static const re2::RE2 kWordChar("([\\pL\\pN])");
  re2::StringPiece rest(s.data(), s.size()), ch;
  while (re2::RE2::FindAndConsume(&rest, kWordChar, &ch))
    if (!blank(std::string_view(ch.data(), ch.size()))) return true;
  return false;
}

std::string valid_utf8(std::string_view s, std::vector<size_t>* raw_offset) {
  std::string out;
  out.reserve(s.size());
  if (raw_offset) raw_offset->clear();
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    // Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF, as JSON does.
    if (ok && len == 2) ok = c >= 0xC2;
    if (ok && len >= 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xE0) ok = c1 >= 0xA0;
      if (c == 0xED) ok = c1 < 0xA0;
      if (c == 0xF0) ok = c1 >= 0x90;
      if (c == 0xF4) ok = c1 < 0x90;
      if (c > 0xF4) ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      for (size_t k = 0; raw_offset && k < len; ++k) raw_offset->push_back(i + k);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      if (raw_offset) raw_offset->insert(raw_offset->end(), 3, i);
      ++i;
    }
  }
  return out;
}

std::string cut_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

std::optional<std::pair<size_t, size_t>> raw_range(const std::vector<size_t>& raw_offset,
                                                   int64_t begin, int64_t end) {
  if (begin < 0 || end <= begin || end > static_cast<int64_t>(raw_offset.size()))
    return std::nullopt;
  // The first byte's origin, to just past the last byte's: a range that ends inside a U+FFFD
  // still covers the byte it replaced.
  return std::make_pair(raw_offset[static_cast<size_t>(begin)],
                        raw_offset[static_cast<size_t>(end - 1)] + 1);
}

std::string snippet(std::string_view s, size_t max) {
  if (s.size() <= max) return valid_utf8(s);
  return valid_utf8(s.substr(0, max)) + "...(" + std::to_string(s.size()) + " bytes)";
}

}  // namespace r1
