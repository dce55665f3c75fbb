// The "model" of a Hugging Face byte-level BPE tokenizer.json: vocabulary, merges with their
// ranks, and the merge loop that turns one pre-tokenized piece into ids. Merges are applied
// lowest rank first, leftmost first among equal ranks, as HF's BPE does.
//
// Thread safety: encode_piece() may be called from many threads at once: the word cache is per
// thread (see bpe_model.cpp) and everything else is read-only after loading.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json.h"

namespace r1 {

class BpeModel {
 public:
  // `where` names the file in errors (a bad merge names the merge and its index).
  static BpeModel from_json(const json& model, const std::string& where);
  BpeModel();  // empty: no vocabulary (from_json makes real ones)
  BpeModel(BpeModel&&) noexcept;
  BpeModel& operator=(BpeModel&&) noexcept;
  ~BpeModel();

  // Appends the ids of one piece, given as its raw bytes.
  void encode_piece(std::string_view bytes, std::vector<int32_t>& out) const;

  // Vocabulary: ids 0..size()-1 may have gaps (ids held by added tokens only).
  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  // The token's text in the vocabulary (byte-level characters); "" for a gap.
  const std::string& token(int32_t id) const { return tokens_[id]; }
  // The id of a vocabulary string, or -1.
  int32_t id_of(const std::string& token) const;

 private:
  void merge_word(std::string_view bytes, std::vector<int32_t>& out) const;

  struct Merge {
    int32_t rank = -1, id = -1;
  };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  // Merges by (left id, right id): open addressing, because this lookup is the inner loop of
  // BPE and std::unordered_map's node chasing showed up first in profiles.
  class PairTable {
   public:
    void reserve(size_t n);
    bool insert(uint64_t key, Merge m);  // false when the key is already there
    const Merge* find(uint64_t key) const {
      for (size_t i = slot(key);; i = (i + 1) & mask_) {
        if (slots_[i].key == key) return &slots_[i].merge;
        if (slots_[i].key == kEmpty) return nullptr;
      }
    }

   private:
    static constexpr uint64_t kEmpty = ~0ull;
    // Key and value side by side: a probe touches one cache line.
    struct Slot {
      uint64_t key = kEmpty;
      Merge merge;
    };
    size_t slot(uint64_t key) const { return ((key * 0x9E3779B97F4A7C15ull) >> shift_) & mask_; }
    std::vector<Slot> slots_{Slot{}};
    size_t mask_ = 0;
    int shift_ = 32;
  };

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> raw_vocab_;  // raw bytes -> id, for ignore_merges
  std::array<int32_t, 256> byte_ids_{};
  PairTable merges_;
  bool ignore_merges_ = false;
  uint64_t serial_;  // tells this model's entries apart in the per-thread word cache
};

}  // namespace r1
