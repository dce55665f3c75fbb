// A batch of token sequences of different lengths, packed end to end (no padding compute).
// Sequence s owns tokens [cu_seqlens[s], cu_seqlens[s+1]). targets[t] is the token whose
// log-probability is read at position t (normally the next token of the same sequence), or -1.
#pragma once
#include <cstdint>
#include <vector>

namespace r1 {

struct PackedBatch {
  std::vector<int32_t> tokens;      // (N)
  std::vector<int32_t> targets;     // (N) next-token targets; -1 at each sequence's last token
  std::vector<int32_t> positions;   // (N) position of each token inside its sequence
  std::vector<int32_t> cu_seqlens;  // (S + 1)

  PackedBatch() : cu_seqlens{0} {}
  int num_tokens() const { return static_cast<int>(tokens.size()); }
  int num_seqs() const { return static_cast<int>(cu_seqlens.size()) - 1; }
  // Appends a sequence with next-token targets.
  void add(const std::vector<int32_t>& seq);
  // From a padded (B, T) array and per-row lengths; padding beyond each length is ignored.
  static PackedBatch from_padded(const int32_t* tokens, int B, int T, const int32_t* lengths);
};

}  // namespace r1
