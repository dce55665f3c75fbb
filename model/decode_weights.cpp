// Decode on weights packed once (Model::DecodeWeights): every linear of forward_cached reads a
// copy of its weight matrix in the backend's packed layout (pack_linear), made when the hold
// begins, so the GEMMs of each decode step no longer repack the weights (docs/performance.md).
#include "core/error.h"
#include "core/memory_limit.h"
#include "model/model_acts.h"

namespace r1 {

template <typename T>
Model<T>::DecodeWeights::DecodeWeights(Model& m) : m_(m) {
  if (m_.decode_holds_++ == 0) m_.pack_decode_weights();
}

template <typename T>
Model<T>::DecodeWeights::~DecodeWeights() {
  --m_.decode_holds_;
}

// The linears forward_cached runs, with the shapes their call sites use.
template <typename T>
void Model<T>::pack_decode_weights() {
  const ModelConfig& c = cfg_;
  const int C = c.hidden_size;
  std::vector<std::pair<size_t, PackedLinear>> list;
  auto add = [&](size_t w, int in, int out, bool transposed = false) {
    list.push_back({w, {0, in, out, transposed}});
  };
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const LayerParams& lp = table_.layer(l);
    if (c.mla()) {
      const int H = c.num_attention_heads, Dqk = c.qk_nope_head_dim + c.qk_rope_head_dim;
      const int QA = c.q_lora_rank > 0 ? c.q_lora_rank : H * Dqk;
      add(lp.qkv, C, QA + c.kv_lora_rank + c.qk_rope_head_dim);
      if (c.q_lora_rank > 0) add(lp.q_b, c.q_lora_rank, H * Dqk);
      // kv_b_proj absorbed per head (attention_mla.cpp): the query times W_UK (Dn, Rkv), the
      // latent output times W_UV^T (W_UV is (Dv, Rkv)).
      const int Dn = c.qk_nope_head_dim, Dv = c.v_head_dim, R = c.kv_lora_rank;
      for (int h = 0; h < H; ++h) {
        add(mla_w_uk(l, h), Dn, R, true);
        add(mla_w_uv(l, h), R, Dv);
      }
    } else {
      add(lp.qkv, C, c.q_dim() + 2 * c.k_dim());
    }
    add(lp.o_proj, c.o_dim(), C);
    if (!c.is_moe_layer(l)) {
      add(lp.gate_up, C, 2 * c.intermediate_size);
      add(lp.down, c.intermediate_size, C);
      continue;
    }
    add(lp.router, C, c.n_routed_experts);
    for (int e = 0; e < c.n_routed_experts; ++e) {
      add(lp.expert_gate_up[e], C, 2 * c.moe_intermediate_size);
      add(lp.expert_down[e], c.moe_intermediate_size, C);
    }
    if (c.n_shared_experts > 0) {
      add(lp.shared_gate_up, C, 2 * c.shared_intermediate());
      add(lp.shared_down, c.shared_intermediate(), C);
    }
  }
  add(table_.lm_head(), C, c.vocab_size);
  size_t total = 0;
  for (auto& [w, p] : list) {
    p.at = total;
    total += cpu::packed_linear_size(p.C, p.OC);
  }
  if (packed_.size() < total) {
    allocating(
        double(total) * sizeof(T), [&] { return cat("the packed decode weights (", total, " values)"); },
        [&] { packed_.resize(total); });
  }
  packed_at_.clear();
  for (const auto& [w, p] : list) {
    op_.pack_linear(packed_.data() + p.at, params_.data() + w, p.C, p.OC, p.transposed);
    packed_at_[w] = p;
  }
}

template <typename T>
const T* Model<T>::packed_weight(size_t w, int C, int OC) const {
  if (decode_holds_ == 0) return nullptr;
  const auto it = packed_at_.find(w);
  R1_CHECK(it != packed_at_.end() && it->second.C == C && it->second.OC == OC,
           "decode weights: no packed copy of the (", OC, " x ", C, ") weight at offset ", w);
  return packed_.data() + it->second.at;
}

template <typename T>
void Model<T>::linear(T* out, const T* inp, size_t w, const T* bias, int N, int C, int OC, bool infer,
                      bool accumulate) {
  // One row stays on linear_forward, which reads W as it is, unless the backend says its packed
  // copy is the cheaper read (Backend::pack_single_rows).
  const bool packed = infer && (N > 1 || be_.pack_single_rows);
  if (const T* wp = packed ? packed_weight(w, C, OC) : nullptr) {
    op_.linear_forward_packed(out, OC, inp, C, wp, bias, N, C, OC, accumulate);
    return;
  }
  if (accumulate) {
    R1_CHECK(!bias, "linear: accumulate takes no bias");
    op_.gemm(false, true, N, OC, C, T(1), inp, C, params_.data() + w, C, T(1), out, OC);
  } else {
    op_.linear_forward(out, inp, params_.data() + w, bias, N, C, OC);
  }
}

#define R1_INSTANTIATE(T)                                                                      \
  template class Model<T>::DecodeWeights;                                                      \
  template void Model<T>::pack_decode_weights();                                               \
  template const T* Model<T>::packed_weight(size_t, int, int) const;                           \
  template void Model<T>::linear(T*, const T*, size_t, const T*, int, int, int, bool, bool);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1
