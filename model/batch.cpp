#include "model/batch.h"

#include "core/error.h"

namespace r1 {

void PackedBatch::add(const std::vector<int32_t>& seq) {
  const int n = static_cast<int>(seq.size());
  for (int i = 0; i < n; ++i) {
    tokens.push_back(seq[i]);
    targets.push_back(i + 1 < n ? seq[i + 1] : -1);
    positions.push_back(i);
  }
  cu_seqlens.push_back(cu_seqlens.back() + n);
}

PackedBatch PackedBatch::from_padded(const int32_t* tok, int B, int T, const int32_t* lengths) {
  PackedBatch b;
  for (int r = 0; r < B; ++r) {
    if (lengths[r] < 0 || lengths[r] > T) fail("padded batch: row ", r, " has length ", lengths[r], " outside [0, ", T, "]");
    b.add(std::vector<int32_t>(tok + static_cast<size_t>(r) * T, tok + static_cast<size_t>(r) * T + lengths[r]));
  }
  return b;
}

}  // namespace r1
