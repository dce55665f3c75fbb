// ASCII character classes, independent of the locale (std::isdigit and std::isalpha depend on
// it, and are undefined for the negative chars of UTF-8 bytes).
#pragma once

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

}  // namespace r1
