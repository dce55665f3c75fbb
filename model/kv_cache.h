// Key/value cache for incremental decoding, organised in slots so that continuous batching can
// free a finished sequence's slot and refill it with a new one while others keep decoding.
// Per layer, K and V are (slots, max_len, KVH, D).
#pragma once
#include <cstdint>
#include <vector>

#include "core/arena.h"
#include "model/config.h"

namespace r1 {

template <typename T>
class KVCache {
 public:
  KVCache(const ModelConfig& cfg, int slots, int max_len);

  int slots() const { return slots_; }
  int max_len() const { return max_len_; }
  int length(int slot) const { return len_[slot]; }
  bool in_use(int slot) const { return used_[slot]; }
  int free_slots() const;

  // Takes a free slot (length 0); -1 when all are in use.
  int acquire();
  // Returns a slot to the pool; its contents are discarded.
  void release(int slot);
  // Keeps the first `len` tokens of a slot (to roll back or to reuse a shared prefix).
  void truncate(int slot, int len);

  T* k(int layer, int slot) { return k_.data() + offset(layer, slot); }
  T* v(int layer, int slot) { return v_.data() + offset(layer, slot); }
  void set_length(int slot, int len) { len_[slot] = len; }
  size_t bytes() const { return 2 * k_.size() * sizeof(T); }

 private:
  size_t offset(int layer, int slot) const {
    return (static_cast<size_t>(layer) * slots_ + slot) * max_len_ * row_;
  }
  int layers_, slots_, max_len_;
  size_t row_;  // KVH * D
  AlignedBuffer<T> k_, v_;
  std::vector<int> len_;
  std::vector<char> used_;
};

}  // namespace r1
