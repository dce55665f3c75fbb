// CRC32C (Castagnoli), the checksum of TFRecord framing (TensorBoard event files).
#pragma once
#include <cstddef>
#include <cstdint>

namespace r1 {

// crc32c("123456789") == 0xE3069283. `crc` continues a previous result over more bytes.
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
// The table-driven version alone; crc32c() uses SSE4.2 when the build targets it.
uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc = 0);
// TFRecord stores CRCs masked, because a CRC over data that embeds CRCs is weak.
inline uint32_t mask_crc32c(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

}  // namespace r1
