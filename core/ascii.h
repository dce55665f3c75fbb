// ASCII character classes, independent of the locale (std::isdigit and std::isalpha depend on
// it, and are undefined for the negative chars of UTF-8 bytes).
#pragma once

#include <cstddef>
#include <string_view>

namespace r1 {

inline bool ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

inline bool ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Calls test(begin, end) on each run of ASCII letters in `text`, in order, and stops at the
// first that returns true; whether one did.
template <typename Test>
bool any_ascii_word(std::string_view text, Test test) {
  for (size_t i = 0; i < text.size();) {
    if (!ascii_letter(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && ascii_letter(text[j])) ++j;
    if (test(i, j)) return true;
    i = j;
  }
  return false;
}

}  // namespace r1
