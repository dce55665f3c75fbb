// GPT-2's byte-level alphabet, used by the ByteLevel pre-tokenizer and decoder of Hugging Face
// tokenizers: each byte 0..255 is shown as one printable code point (printable Latin-1 bytes as
// themselves, the rest as U+0100.. in byte order), so that a vocabulary of strings can hold any
// byte sequence.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace r1 {

// The code point that stands for byte b.
uint32_t byte_level_char(uint8_t b);
// The UTF-8 text of the code point for each byte.
const std::array<std::string, 256>& byte_level_utf8();
// Maps the byte-level text of a token back to its bytes, appending to `out`. Returns false (and
// appends nothing) when some character of `chars` is not in the alphabet.
bool byte_level_decode(std::string_view chars, std::string& out);

}  // namespace r1
