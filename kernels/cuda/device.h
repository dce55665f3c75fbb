// CUDA device discovery. Safe to call on machines without a GPU or driver: it returns 0.
#pragma once
#include <string>

namespace r1::cuda {

int device_count();           // 0 when no usable GPU or driver
std::string device_name(int device);

}  // namespace r1::cuda
