#include "model/kv_cache.h"

#include "core/error.h"
#include "core/memory_limit.h"

namespace r1 {

template <typename T>
KVCache<T>::KVCache(const ModelConfig& cfg, int slots, int max_len)
    : layers_(cfg.num_hidden_layers),
      slots_(slots),
      max_len_(max_len),
      k_row_(static_cast<size_t>(cfg.k_dim())),
      v_row_(static_cast<size_t>(cfg.v_dim())) {
  if (slots <= 0) fail("KV cache: slots must be positive, got ", slots);
  if (max_len <= 0 || max_len > cfg.max_position_embeddings) {
    fail("KV cache: max_len ", max_len, " must be in [1, max_position_embeddings=", cfg.max_position_embeddings, "]");
  }
  const size_t n = static_cast<size_t>(layers_) * slots_ * max_len_;
  allocating(double(n) * (k_row_ + v_row_) * sizeof(T),
             [&] { return cat("a KV cache of ", slots, " slots x ", max_len, " tokens"); }, [&] {
               k_.resize(n * k_row_, false);
               v_.resize(n * v_row_, false);
             });
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
  used_[slot] = 0;
  len_[slot] = 0;
}

template <typename T>
void KVCache<T>::truncate(int slot, int len) {
  R1_CHECK(len >= 0 && len <= len_[slot], "truncate slot ", slot, " to ", len, " beyond its length ", len_[slot]);
  len_[slot] = len;
}

template class KVCache<float>;
template class KVCache<double>;

}  // namespace r1
