#include "core/dtype.h"

#include <cmath>
#include <cstring>

#include "core/error.h"

namespace r1 {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I8: case DType::U8: case DType::BOOL: return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F64: return "F64";
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::I16: return "I16";
    case DType::I8: return "I8";
    case DType::U8: return "U8";
    case DType::BOOL: return "BOOL";
  }
  return "?";
}

bool parse_dtype(const std::string& name, DType* out) {
  static const std::pair<const char*, DType> table[] = {
      {"F64", DType::F64}, {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
      {"I64", DType::I64}, {"I32", DType::I32}, {"I16", DType::I16}, {"I8", DType::I8},
      {"U8", DType::U8},   {"BOOL", DType::BOOL}};
  for (const auto& [n, t] : table) {
    if (name == n) {
      *out = t;
      return true;
    }
  }
  return false;
}

float bf16_to_f32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while ((man & 0x400u) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: inf
  if (abs < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    if (abs < 0x33000000u) return sign;  // < 2^-25 rounds to zero
    // value = man * 2^(e-150); in units of the smallest subnormal 2^-24 that is man >> (126-e).
    uint32_t e = abs >> 23;
    uint32_t man = (abs & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;  // 14..24 in this range
    uint32_t res = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (res & 1u))) ++res;
    return sign | static_cast<uint16_t>(res);
  }
  uint32_t res = ((abs >> 13) - (112u << 10));
  uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (res & 1u))) ++res;
  return sign | static_cast<uint16_t>(res);
}

void convert_to_f32(DType t, const void* src, float* dst, size_t n) {
  const char* p = static_cast<const char*>(src);
  // Sources may be unaligned (mmapped files): read every element through memcpy.
  auto load = [&](auto tag, size_t i) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof(v), sizeof(v));
    return v;
  };
  switch (t) {
    case DType::F32: std::memcpy(dst, src, n * 4); return;
    case DType::F64: for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load(double{}, i)); return;
    case DType::BF16: for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load(uint16_t{}, i)); return;
    case DType::F16: for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load(uint16_t{}, i)); return;
    case DType::I64: for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load(int64_t{}, i)); return;
    case DType::I32: for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load(int32_t{}, i)); return;
    case DType::I16: for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load(int16_t{}, i)); return;
    case DType::I8: for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load(int8_t{}, i)); return;
    case DType::U8:
    case DType::BOOL: for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load(uint8_t{}, i)); return;
  }
}

void convert_from_f32(DType t, const float* src, void* dst, size_t n) {
  char* p = static_cast<char*>(dst);
  switch (t) {
    case DType::F32: std::memcpy(dst, src, n * 4); return;
    case DType::F64:
      for (size_t i = 0; i < n; ++i) {
        double v = src[i];
        std::memcpy(p + 8 * i, &v, 8);
      }
      return;
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t v = f32_to_bf16(src[i]);
        std::memcpy(p + 2 * i, &v, 2);
      }
      return;
    case DType::F16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t v = f32_to_f16(src[i]);
        std::memcpy(p + 2 * i, &v, 2);
      }
      return;
    default: fail("cannot convert float32 to ", dtype_name(t));
  }
}

}  // namespace r1
