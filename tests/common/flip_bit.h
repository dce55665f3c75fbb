// Flips one bit of one stored element of a tensor in a safetensors file, in place: the damage a
// bad disk or a bad copy does to weights, which leaves every value finite and the file valid.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/fs.h"
#include "core/json.h"

namespace r1::testing {

// Returns the byte offset in the file of the flipped bit's byte.
inline size_t flip_bit_in_tensor(const std::string& path, const std::string& tensor,
                                 size_t byte_in_tensor = 0, int bit = 0) {
  std::string bytes = read_file(path);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(bytes[i]);
  json header = json::parse(bytes.substr(8, header_len));
  if (!header.contains(tensor)) fail(path, ": flip_bit_in_tensor: no tensor '", tensor, "'");
  const size_t at =
      8 + header_len + header[tensor]["data_offsets"][0].get<size_t>() + byte_in_tensor;
  bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return at;
}

}  // namespace r1::testing
