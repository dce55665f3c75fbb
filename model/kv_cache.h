// Key/value cache for incremental decoding, addressed by a block table (paged, as vLLM's
// PagedAttention): the keys and values of all sequences live in one pool of fixed-size blocks,
// and each slot (one sequence being decoded) has one row of the block table listing its blocks
// in order. A slot takes blocks from the pool as it grows and gives them back when it is
// released or truncated, so continuous batching can retire a finished sequence and refill its
// slot while the others keep decoding; a GPU decode kernel reads the same table.
//
// Per layer, the key pool is (blocks, block_size, K) and the value pool (blocks, block_size, V),
// with K = ModelConfig::cache_k_dim() and V = cache_v_dim(): the keys and values attention reads.
// For GQA these are the KVH heads' keys and values. For Multi-head Latent Attention they are the
// compressed latent, one head shared by all query heads (DeepSeek-V3's "absorb" decode): keys
// [ckv_n | rope(k_pe)] (kv_lora_rank + qk_rope_head_dim), where ckv_n = kv_a_layernorm(ckv),
// and the values are ckv_n again, read from the key rows (no value pool: cache_v_dim() is 0);
// the query is multiplied by kv_b_proj's key half and the output by its value half instead
// (model/attention_mla.cpp). For small-moe that is 80 floats per token and layer instead of 320
// for expanded per-head keys and values.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/backend.h"
#include "model/config.h"

namespace r1 {

template <typename T>
class KVCache {
 public:
  static constexpr int kDefaultBlockSize = 16;

  // `slots` sequences of up to `max_len` tokens each. The pool holds `num_blocks` blocks of
  // `block_size` tokens; 0 means enough for every slot at max_len at once.
  KVCache(const ModelConfig& cfg, int slots, int max_len,
          const Backend<T>& backend = cpu_backend<T>(), int block_size = kDefaultBlockSize,
          int num_blocks = 0);

  int slots() const { return slots_; }
  int max_len() const { return max_len_; }
  int length(int slot) const { return len_[slot]; }
  bool in_use(int slot) const { return used_[slot]; }
  int free_slots() const;

  // Takes a free slot (length 0, no blocks); -1 when all are in use.
  int acquire();
  // Returns a slot and its blocks to the pool; its contents are discarded.
  void release(int slot);
  // Keeps the first `len` tokens of a slot (to roll back or to reuse a shared prefix); blocks
  // past them go back to the pool.
  void truncate(int slot, int len);
  // Makes room for `len` tokens in a slot, taking blocks from the pool (throws when the pool is
  // empty or len > max_len). The length itself changes with set_length.
  void reserve(int slot, int len);
  void set_length(int slot, int len) { len_[slot] = len; }
  // Gives slot dst (in use, empty) a copy of the first `len` cached tokens of slot src: G
  // samples of one prompt then prefill it once (rollout/engine.cpp).
  void copy_prefix(int src, int dst, int len);

  int block_size() const { return block_size_; }
  int max_blocks() const { return max_blocks_; }  // per slot: the block table's row width
  int total_blocks() const { return num_blocks_; }
  int free_blocks() const { return static_cast<int>(free_.size()); }
  // The block table (slots, max_blocks) on the host; -1 marks entries with no block.
  const std::vector<int32_t>& host_block_table() const { return table_; }
  // The same in the backend's memory, uploaded when it changed since the last call.
  const int32_t* block_table();

  T* k_pool(int layer) { return k_.data() + static_cast<size_t>(layer) * pool_rows() * k_row_; }
  T* v_pool(int layer) { return v_.data() + static_cast<size_t>(layer) * pool_rows() * v_row_; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(T); }

 private:
  size_t pool_rows() const { return static_cast<size_t>(num_blocks_) * block_size_; }
  int blocks_held(int slot) const;
  int layers_, slots_, max_len_, block_size_, max_blocks_, num_blocks_;
  size_t k_row_, v_row_;  // k_dim, v_dim
  DeviceBuffer<T> k_, v_;
  void (*copy_2d_)(T* dst, int ldd, const T* src, int lds, int rows, int cols);
  DeviceBuffer<int32_t> table_dev_;
  std::vector<int32_t> table_;  // (slots, max_blocks)
  std::vector<int32_t> free_;   // free block ids, taken from the back
  bool table_dirty_ = true;
  std::vector<int> len_;
  std::vector<char> used_;
};

}  // namespace r1
