#include "model/byte_level.h"

#include <vector>

#include "model/unicode.h"

namespace r1 {

namespace {

struct Alphabet {
  std::array<uint32_t, 256> to_char{};
  std::array<std::string, 256> to_utf8;
  std::array<int16_t, 512> from_char{};  // every alphabet code point is below U+0144

  Alphabet() {
    from_char.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      to_char[b] = printable(b) ? static_cast<uint32_t>(b) : next++;
      append_utf8(to_char[b], to_utf8[b]);
      from_char[to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

}  // namespace

uint32_t byte_level_char(uint8_t b) {
  return alphabet().to_char[b];
}

const std::array<std::string, 256>& byte_level_utf8() {
  return alphabet().to_utf8;
}

bool byte_level_decode(std::string_view chars, std::string& out) {
  const Alphabet& a = alphabet();
  size_t start = out.size();
  std::vector<uint32_t> cps, offsets;
  if (!is_valid_utf8(chars)) return false;
  decode_utf8(chars, cps, offsets);
  for (uint32_t cp : cps) {
    if (cp >= a.from_char.size() || a.from_char[cp] < 0) {
      out.resize(start);
      return false;
    }
    out += static_cast<char>(a.from_char[cp]);
  }
  return true;
}

}  // namespace r1
