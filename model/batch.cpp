#include "model/batch.h"

#include "core/error.h"

namespace r1 {

void PackedBatch::append(const std::vector<int32_t>& seq, int first_position, int prefix) {
  const int n = static_cast<int>(seq.size());
  for (int i = 0; i < n; ++i) {
    tokens.push_back(seq[i]);
    targets.push_back(i + 1 < n ? seq[i + 1] : -1);
    positions.push_back(first_position + i);
  }
  cu_seqlens.push_back(cu_seqlens.back() + n);
  prefix_of.push_back(prefix);
}

int64_t PackedBatch::completion_offset(int seq, int prompt_len) const {
  if (seq < 0 || seq >= num_seqs())
    fail("completion_offset: sequence ", seq, " outside the batch of ", num_seqs());
  const int64_t begin = cu_seqlens[seq], end = cu_seqlens[seq + 1];
  if (prompt_len < 1 || begin + prompt_len > end) {
    fail("completion_offset: prompt length ", prompt_len, " does not fit sequence ", seq, " of ",
         end - begin, " tokens");
  }
  return begin + prompt_len - 1;
}

void PackedBatch::add(const std::vector<int32_t>& seq) {
  append(seq, 0, -1);
}

void PackedBatch::add_after(int prefix, const std::vector<int32_t>& seq) {
  if (prefix < 0 || prefix >= num_seqs())
    fail("packed batch: prefix ", prefix, " is not one of the ", num_seqs(), " sequences");
  if (prefix_of[prefix] >= 0)
    fail("packed batch: sequence ", prefix, " continues another and cannot be a prefix");
  append(seq, cu_seqlens[prefix + 1] - cu_seqlens[prefix], prefix);
}

bool PackedBatch::has_prefixes() const {
  for (int32_t p : prefix_of)
    if (p >= 0) return true;
  return false;
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
