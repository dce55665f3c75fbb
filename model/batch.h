// A batch of token sequences of different lengths, packed end to end (no padding compute).
// Sequence s owns tokens [cu_seqlens[s], cu_seqlens[s+1]). targets[t] is the token whose
// log-probability is read at position t (normally the next token of the same sequence), or -1.
//
// Shared prefixes: a sequence added with add_after(p, ...) continues sequence p, which its
// tokens see first, as if p's tokens were copied in front of it (positions continue after p's).
// GRPO packs a group's prompt once and its G completions after it, so the prompt's forward and
// backward run once per group instead of G times, with the same result.
#pragma once
#include <cstdint>
#include <vector>

namespace r1 {

struct PackedBatch {
  std::vector<int32_t> tokens;      // (N)
  std::vector<int32_t> targets;     // (N) next-token targets; -1 at each sequence's last token
  std::vector<int32_t> positions;   // (N) position of each token inside its sequence
  std::vector<int32_t> cu_seqlens;  // (S + 1)
  std::vector<int32_t> prefix_of;   // (S) the sequence each one continues, or -1
  // (S) or empty: each sequence's sampling temperature, its logits divided by it for the
  // log-probs; 0 (or empty) = the temperature Model::forward is given.
  std::vector<float> temperature;

  PackedBatch() : cu_seqlens{0} {}
  int num_tokens() const { return static_cast<int>(tokens.size()); }
  int num_seqs() const { return static_cast<int>(cu_seqlens.size()) - 1; }
  // Appends a sequence with next-token targets.
  void add(const std::vector<int32_t>& seq);
  // Appends a sequence that continues sequence `prefix` (which must not continue another):
  // its first token's position is prefix's length. The prefix's last token has no target here
  // (seq's first token is not the prefix's), so put that token at the start of seq instead.
  void add_after(int prefix, const std::vector<int32_t>& seq);
  bool has_prefixes() const;
  // Where the log-probs of sequence `seq`'s tokens after its first `prompt_len` sit in the
  // per-token arrays of a forward: position t predicts token t + 1, so at
  // [cu_seqlens[seq] + prompt_len - 1, cu_seqlens[seq + 1] - 1). Throws when seq is not in the
  // batch or prompt_len is not in [1, its length].
  int64_t completion_offset(int seq, int prompt_len) const;

 private:
  void append(const std::vector<int32_t>& seq, int first_position, int prefix);
  // From a padded (B, T) array and per-row lengths; padding beyond each length is ignored.
  static PackedBatch from_padded(const int32_t* tokens, int B, int T, const int32_t* lengths);
};

}  // namespace r1
