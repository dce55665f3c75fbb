#include "model/kv_cache.h"

#include <algorithm>

#include "core/error.h"
#include "core/memory_limit.h"

namespace r1 {

template <typename T>
KVCache<T>::KVCache(const ModelConfig& cfg, int slots, int max_len, const Backend<T>& backend,
                    int block_size, int num_blocks)
    : layers_(cfg.num_hidden_layers),
      slots_(slots),
      max_len_(max_len),
      block_size_(block_size),
      max_blocks_(0),
      num_blocks_(0),
      k_row_(static_cast<size_t>(cfg.cache_k_dim())),
      v_row_(static_cast<size_t>(cfg.cache_v_dim())),
      k_(backend.mem),
      v_(backend.mem),
      copy_2d_(backend.ops.copy_2d),
      table_dev_(backend.mem) {
  if (slots <= 0) fail("KV cache: slots must be positive, got ", slots);
  if (max_len <= 0 || max_len > cfg.max_position_embeddings) {
    fail("KV cache: max_len ", max_len, " must be in [1, max_position_embeddings=", cfg.max_position_embeddings, "]");
  }
  if (block_size <= 0) fail("KV cache: block_size must be positive, got ", block_size);
  max_blocks_ = (max_len + block_size - 1) / block_size;
  const long long full = static_cast<long long>(slots) * max_blocks_;
  if (num_blocks < 0) fail("KV cache: num_blocks must be >= 0, got ", num_blocks);
  if (num_blocks > 0 && num_blocks < max_blocks_) {
    fail("KV cache: ", num_blocks, " blocks cannot hold even one sequence of ", max_len, " tokens (", max_blocks_,
         " blocks of ", block_size, ")");
  }
  if (full > INT32_MAX) fail("KV cache: ", slots, " slots x ", max_blocks_, " blocks is too many");
  num_blocks_ = num_blocks > 0 ? num_blocks : static_cast<int>(full);
  const size_t rows = static_cast<size_t>(layers_) * pool_rows();
  allocating(double(rows) * (k_row_ + v_row_) * sizeof(T),
             [&] { return cat("a KV cache of ", slots, " slots x ", max_len, " tokens"); }, [&] {
               k_.resize(rows * k_row_);
               v_.resize(rows * v_row_);
             });
  table_.assign(static_cast<size_t>(slots) * max_blocks_, -1);
  table_dev_.resize(table_.size());
  free_.resize(num_blocks_);
  // Taken from the back: block 0 first.
  for (int b = 0; b < num_blocks_; ++b) free_[b] = num_blocks_ - 1 - b;
  len_.assign(slots, 0);
  used_.assign(slots, 0);
}

template <typename T>
int KVCache<T>::free_slots() const {
  int n = 0;
  for (char u : used_) n += !u;
  return n;
}

template <typename T>
int KVCache<T>::blocks_held(int slot) const {
  const int32_t* row = table_.data() + static_cast<size_t>(slot) * max_blocks_;
  int n = 0;
  while (n < max_blocks_ && row[n] >= 0) ++n;
  return n;
}

template <typename T>
int KVCache<T>::acquire() {
  for (int s = 0; s < slots_; ++s) {
    if (!used_[s]) {
      used_[s] = 1;
      len_[s] = 0;
      return s;
    }
  }
  return -1;
}

template <typename T>
void KVCache<T>::release(int slot) {
  R1_CHECK(slot >= 0 && slot < slots_ && used_[slot], "release of slot ", slot, " that is not in use");
  truncate(slot, 0);
  used_[slot] = 0;
}

template <typename T>
void KVCache<T>::truncate(int slot, int len) {
  R1_CHECK(slot >= 0 && slot < slots_ && used_[slot], "truncate of slot ", slot, " that is not in use");
  R1_CHECK(len >= 0 && len <= len_[slot], "truncate slot ", slot, " to ", len, " beyond its length ", len_[slot]);
  len_[slot] = len;
  const int keep = (len + block_size_ - 1) / block_size_;
  int32_t* row = table_.data() + static_cast<size_t>(slot) * max_blocks_;
  for (int i = blocks_held(slot) - 1; i >= keep; --i) {
    free_.push_back(row[i]);
    row[i] = -1;
    table_dirty_ = true;
  }
}

template <typename T>
void KVCache<T>::reserve(int slot, int len) {
  R1_CHECK(slot >= 0 && slot < slots_ && used_[slot], "reserve in slot ", slot, " that is not in use");
  if (len > max_len_) fail("KV cache: slot ", slot, " would hold ", len, " tokens, more than the cache's ", max_len_);
  const int need = (len + block_size_ - 1) / block_size_;
  int32_t* row = table_.data() + static_cast<size_t>(slot) * max_blocks_;
  const int have = blocks_held(slot);
  // All or nothing: a failed reserve leaves the slot as it was.
  if (need - have > static_cast<int>(free_.size())) {
    fail("KV cache: slot ", slot, " needs ", need - have, " more blocks of ", block_size_, " tokens; the pool of ",
         num_blocks_, " has ", free_.size(), " free");
  }
  for (int i = have; i < need; ++i) {
    row[i] = free_.back();
    free_.pop_back();
    table_dirty_ = true;
  }
}

template <typename T>
void KVCache<T>::copy_prefix(int src, int dst, int len) {
  R1_CHECK(src >= 0 && src < slots_ && used_[src] && dst >= 0 && dst < slots_ && used_[dst] &&
               src != dst,
           "copy_prefix from slot ", src, " to slot ", dst, ": both must be distinct slots in use");
  R1_CHECK(len >= 0 && len <= len_[src], "copy_prefix of ", len, " tokens from slot ", src,
           " holding ", len_[src]);
  R1_CHECK(len_[dst] == 0, "copy_prefix into slot ", dst, " that already holds ", len_[dst],
           " tokens");
  reserve(dst, len);
  const int32_t* from = table_.data() + static_cast<size_t>(src) * max_blocks_;
  const int32_t* to = table_.data() + static_cast<size_t>(dst) * max_blocks_;
  for (int b = 0; b * block_size_ < len; ++b) {
    // A block's rows are contiguous: one row of rows * width values.
    const int rows = std::min(block_size_, len - b * block_size_);
    const size_t fk = static_cast<size_t>(from[b]) * block_size_,
                 tk = static_cast<size_t>(to[b]) * block_size_;
    for (int l = 0; l < layers_; ++l) {
      const int kn = rows * static_cast<int>(k_row_), vn = rows * static_cast<int>(v_row_);
      copy_2d_(k_pool(l) + tk * k_row_, kn, k_pool(l) + fk * k_row_, kn, 1, kn);
      if (vn > 0) copy_2d_(v_pool(l) + tk * v_row_, vn, v_pool(l) + fk * v_row_, vn, 1, vn);
    }
  }
  len_[dst] = len;
}

template <typename T>
const int32_t* KVCache<T>::block_table() {
  if (table_dirty_) {
    table_dev_.upload(table_.data(), 0, table_.size());
    table_dirty_ = false;
  }
  return table_dev_.data();
}

template class KVCache<float>;
template class KVCache<double>;

}  // namespace r1
