// Key/value cache for incremental decoding, organised in slots so that continuous batching can
// free a finished sequence's slot and refill it with a new one while others keep decoding.
// Per layer, K is (slots, max_len, KVH, Dqk) and V is (slots, max_len, KVH, Dv): the keys and
// values attention reads (ModelConfig::k_dim, v_dim). For Multi-head Latent Attention these are
// the expanded per-head keys and values (KVH = H), not the compressed latent: simpler and
// exactly the training path's numbers, at (Dqk + Dv) * H / (kv_lora_rank + qk_rope_head_dim)
// times the memory of a latent cache.
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

  T* k(int layer, int slot) { return k_.data() + offset(layer, slot, k_row_); }  // (max_len, k_dim)
  T* v(int layer, int slot) { return v_.data() + offset(layer, slot, v_row_); }  // (max_len, v_dim)
  void set_length(int slot, int len) { len_[slot] = len; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(T); }

 private:
  size_t offset(int layer, int slot, size_t row) const {
    return (static_cast<size_t>(layer) * slots_ + slot) * max_len_ * row;
  }
  int layers_, slots_, max_len_;
  size_t k_row_, v_row_;  // k_dim, v_dim
  AlignedBuffer<T> k_, v_;
  std::vector<int> len_;
  std::vector<char> used_;
};

}  // namespace r1
