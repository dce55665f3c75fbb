// The parameter table: every trainable tensor of a ModelConfig, by Hugging Face name, as a slice
// of one flat buffer. Gradients, AdamW moments and the frozen reference copy use the same
// layout, so one offset finds a tensor in all of them.
//
// Order matters: q_proj, k_proj, v_proj are adjacent so that together they form one
// (q_dim + 2 kv_dim, C) matrix, and every gate_proj is directly followed by its up_proj, so
// [gate; up] is one (2I, C) matrix. The forward pass runs one GEMM on each fused pair. With
// Multi-head Latent Attention the projections of the block input are q_proj (or q_a_proj) and
// kv_a_proj_with_mqa, adjacent likewise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/config.h"

namespace r1 {

struct ParamInfo {
  std::string name;             // e.g. "model.layers.3.mlp.experts.5.down_proj.weight"
  std::vector<int64_t> shape;   // PyTorch order: (out_features, in_features) for linears
  size_t offset = 0;            // into the flat buffer, in elements
  size_t numel = 0;
  bool decay = true;            // AdamW weight decay applies (not to norms and biases)
  enum Init { Normal, Ones, Zeros } init = Normal;
};

// Offsets of one block's tensors.
struct LayerParams {
  // qkv: the fused projection of the block input: [q_proj; k_proj; v_proj] (GQA) or
  // [q_proj or q_a_proj; kv_a_proj_with_mqa] (MLA).
  size_t ln1, qkv, qkv_bias = SIZE_MAX, q_norm = SIZE_MAX, k_norm = SIZE_MAX, o_proj, ln2;
  // MLA: q_a_layernorm and q_b_proj (q_lora_rank > 0 only), kv_a_layernorm, kv_b_proj
  size_t q_a_norm = SIZE_MAX, q_b = SIZE_MAX, kv_a_norm = SIZE_MAX, kv_b = SIZE_MAX;
  // dense FFN
  size_t gate_up = SIZE_MAX, down = SIZE_MAX;
  // MoE FFN
  size_t router = SIZE_MAX;
  std::vector<size_t> expert_gate_up, expert_down;  // (E)
  size_t shared_gate_up = SIZE_MAX, shared_down = SIZE_MAX;
};

class ParamTable {
 public:
  explicit ParamTable(const ModelConfig& cfg);

  const std::vector<ParamInfo>& params() const { return params_; }
  size_t total() const { return total_; }
  const ParamInfo* find(const std::string& name) const;  // nullptr when absent
  const LayerParams& layer(int l) const { return layers_[l]; }
  size_t embed() const { return embed_; }
  size_t final_norm() const { return final_norm_; }
  size_t lm_head() const { return lm_head_; }  // == embed() when tied

  // Names of the per-expert selection biases (not trained; kept outside the flat buffer):
  // "model.layers.{l}.mlp.gate.e_score_correction_bias" for each MoE layer of an architecture
  // that has them (ModelConfig::has_expert_bias).
  static std::string expert_bias_name(int layer);

 private:
  size_t add(const std::string& name, std::vector<int64_t> shape, bool decay, ParamInfo::Init init);
  std::vector<ParamInfo> params_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<LayerParams> layers_;
  size_t total_ = 0, embed_ = 0, final_norm_ = 0, lm_head_ = 0;
};

}  // namespace r1
