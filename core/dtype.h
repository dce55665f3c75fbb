// Element types of stored tensors and conversions to and from float32.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace r1 {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

size_t dtype_size(DType t);
const char* dtype_name(DType t);  // safetensors spelling: "F32", "BF16", ...
bool parse_dtype(const std::string& name, DType* out);

float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);  // round to nearest even; NaN stays NaN
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);  // round to nearest even, overflow to inf

// Converts n elements of type `t` at `src` to float32 (integers are converted by value).
void convert_to_f32(DType t, const void* src, float* dst, size_t n);
// Converts n float32 values to type `t` (F32, F16, BF16 or F64).
void convert_from_f32(DType t, const float* src, void* dst, size_t n);

}  // namespace r1
