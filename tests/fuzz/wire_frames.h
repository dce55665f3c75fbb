// The input format of fuzz_wire_message: a message's frames, each as a 4-byte little-endian
// length followed by that many bytes; a length that runs past the end takes what is left. The
// fuzz target splits inputs with split_frames; the seed corpus is written with join_frames.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace r1::fuzz {

inline std::vector<std::string> split_frames(const uint8_t* data, size_t size) {
  std::vector<std::string> frames;
  size_t pos = 0;
  while (pos < size) {
    uint32_t len = 0;
    for (size_t i = 0; i < 4; ++i)
      len |= static_cast<uint32_t>(pos + i < size ? data[pos + i] : 0) << (8 * i);
    pos += 4;
    if (pos > size) pos = size;
    const size_t n = len < size - pos ? len : size - pos;
    frames.emplace_back(reinterpret_cast<const char*>(data) + pos, n);
    pos += n;
  }
  return frames;
}

inline std::string join_frames(const std::vector<std::string>& frames) {
  std::string out;
  for (const std::string& f : frames) {
    const uint32_t len = static_cast<uint32_t>(f.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
    out += f;
  }
  return out;
}

}  // namespace r1::fuzz
