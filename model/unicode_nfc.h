// Unicode Normalization Form C (canonical decomposition, canonical ordering, canonical
// composition), the "NFC" normalizer of Hugging Face tokenizers. Data: model/unicode_tables.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

// NFC of well-formed UTF-8. Text without any code point that NFC can touch (the common case:
// ASCII, most scripts) is returned as is after one scan.
std::string nfc(std::string_view utf8);

// Code points whose presence can make NFC change a string: nonzero combining class, a
// decomposition that NFC does not compose back, the second half of a composition pair, Hangul
// vowel and trailing jamo. A string without any of them is already in NFC.
std::vector<uint32_t> nfc_check_code_points();

}  // namespace r1
