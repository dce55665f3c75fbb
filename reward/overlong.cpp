#include "reward/overlong.h"

namespace r1 {

double overlong_penalty(int64_t length, int64_t max_tokens, int64_t buffer_tokens) {
  const int64_t soft_start = max_tokens - buffer_tokens;
  if (length <= soft_start) return 0.0;
  if (length > max_tokens) return -1.0;
  return static_cast<double>(soft_start - length) / static_cast<double>(buffer_tokens);
}

}  // namespace r1
